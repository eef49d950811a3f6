"""Which column of a subscriber CSV means what, and which product's export the file looks like.

One table of header keys serves every file: a generic spreadsheet and the exports of Mailchimp,
Kit (ConvertKit), beehiiv, Buttondown and listmonk. The result is stored on the ImportJob, so the
import reads the file exactly as its preview described it.

Part of the import described in masthead.subscriptions.importing.
"""

from dataclasses import dataclass

from masthead.core.addresses import InvalidAddress, normalize_address
from masthead.subscriptions.importing.errors import ImportFileError

# Header keys are headings lowercased with everything but letters and digits removed:
# "Email Address", "email_address" and "E-mail" give "emailaddress", "emailaddress", "email".
EMAIL_HEADERS = ("email", "emailaddress", "mail")
NAME_HEADERS = ("name", "fullname", "displayname")
FIRST_NAME_HEADERS = ("firstname", "givenname")
LAST_NAME_HEADERS = ("lastname", "surname", "familyname")
STATUS_HEADERS = ("status", "state", "subscribertype", "subscriptionstatus")
# "type" means a status only in Buttondown's newer exports; elsewhere (Substack's subscriber
# list: free, paid, comp) it means something else, and reading it as a status would skip rows.
BUTTONDOWN_STATUS_HEADER = "type"
# In order of preference; a row whose first date is empty or unreadable uses the next one.
CREATED_HEADERS = (
    "createdat",
    "created",
    "creationdate",
    "subscribedat",
    "subscribed",
    "subscriptiondate",
    "signupdate",
    "dateadded",
    "optintime",
    "confirmtime",
)
MAX_CREATED_COLUMNS = 2
LABEL_HEADERS = ("tags", "tag", "labels", "label")
# Exports split by status (Mailchimp's) say it with a column only that file has.
FILE_STATUS_HEADERS = {"unsubtime": "unsubscribed", "cleantime": "cleaned"}

# A product is recognised when every key of one of its signatures is among the headers.
PRODUCT_SIGNATURES = (
    ("Mailchimp", ({"memberrating", "optintime"}, {"leid", "euid"})),
    ("beehiiv", ({"subscriptiontier", "utmsource"}, {"subscriptiontier", "referringsite"})),
    (
        "Buttondown",
        (
            {"secondaryid"},
            {"subscribertype"},
            {"creationdate", "upgradedate"},
            {"emailaddress", "type", "creationdate"},
        ),
    ),
    ("listmonk", ({"uuid", "attributes", "status"}, {"uuid", "attribs", "status"})),
    ("Kit", ({"emailaddress", "state"}, {"email", "firstname", "createdat", "tags", "status"})),
)
GENERIC_SOURCE = "a CSV file"

# Stored headings are for the preview only; a hostile file's headings are cut to size.
MAX_STORED_HEADING = 60
MAX_STORED_HEADINGS = 200


@dataclass(frozen=True)
class Columns:
    """Positions of the columns the import reads, and what the file is."""

    email: int
    name: tuple[int, ...] = ()
    status: int | None = None
    file_status: str = ""  # the status of every row, when the file says it instead of a column
    created: tuple[int, ...] = ()
    labels: int | None = None
    product: str = ""  # "Mailchimp", "Kit"...; empty for a file we do not recognise
    headings: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "email": self.email,
            "name": list(self.name),
            "status": self.status,
            "file_status": self.file_status,
            "created": list(self.created),
            "labels": self.labels,
            "product": self.product,
            "headings": list(self.headings),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Columns":
        return cls(
            email=data["email"],
            name=tuple(data.get("name", ())),
            status=data.get("status"),
            file_status=data.get("file_status", ""),
            created=tuple(data.get("created", ())),
            labels=data.get("labels"),
            product=data.get("product", ""),
            headings=tuple(data.get("headings", ())),
        )


def header_key(heading: str) -> str:
    return "".join(ch for ch in heading.lower() if ch.isalnum())


def _first(keys: list[str], wanted: tuple[str, ...]) -> int | None:
    """The position of the first heading among `wanted`, preferring `wanted`'s order."""
    for key in wanted:
        if key in keys:
            return keys.index(key)
    return None


def recognise_product(keys: list[str]) -> str:
    present = set(keys)
    for product, signatures in PRODUCT_SIGNATURES:
        if any(signature <= present for signature in signatures):
            return product
    return ""


def find_columns(header: list[str]) -> Columns:
    """Read the header row; raises ImportFileError when no column holds email addresses."""
    keys = [header_key(heading) for heading in header]
    email = _first(keys, EMAIL_HEADERS)
    if email is None:
        raise ImportFileError(_no_email_column_message(header))
    name = _first(keys, NAME_HEADERS)
    if name is not None:
        names: tuple[int, ...] = (name,)
    else:
        parts = (_first(keys, FIRST_NAME_HEADERS), _first(keys, LAST_NAME_HEADERS))
        names = tuple(index for index in parts if index is not None)
    created = tuple(
        index for key in CREATED_HEADERS if (index := _first(keys, (key,))) is not None
    )[:MAX_CREATED_COLUMNS]
    status = _first(keys, STATUS_HEADERS)
    if status is None and recognise_product(keys) == "Buttondown":
        status = _first(keys, (BUTTONDOWN_STATUS_HEADER,))
    file_status = ""
    if status is None:
        file_status = next(
            (status for key, status in FILE_STATUS_HEADERS.items() if key in keys), ""
        )
    return Columns(
        email=email,
        name=names,
        status=status,
        file_status=file_status,
        created=created,
        labels=_first(keys, LABEL_HEADERS),
        product=recognise_product(keys),
        headings=tuple(
            " ".join(heading.split())[:MAX_STORED_HEADING]
            for heading in header[:MAX_STORED_HEADINGS]
        ),
    )


def _no_email_column_message(header: list[str]) -> str:
    found = ", ".join(f"“{heading.strip()[:40]}”" for heading in header[:30] if heading.strip())
    message = (
        "Wrong columns: the first row must be a header with a column named “email” "
        "(“Email Address” and “E-mail” work too). "
    )
    message += f"The first row has: {found}." if found else "The first row is empty."
    if any(_looks_like_address(heading) for heading in header):
        message += " It looks like an address: add a header row above it."
    return message


def _looks_like_address(value: str) -> bool:
    try:
        normalize_address(value, allow_utf8_local_part=True)
    except InvalidAddress:
        return False
    return True


# Describing the mapping to a person ---------------------------------------------------------


@dataclass(frozen=True)
class MappingDescription:
    source: str  # "a Mailchimp export" or "a CSV file"
    lines: list[str]  # "Email Address → email", ...
    not_imported: list[str]  # headings of the columns nothing reads


def describe_mapping(mapping: dict) -> MappingDescription | None:
    """What an ImportJob's stored mapping says, for its preview; None for jobs without one."""
    return describe_columns(Columns.from_json(mapping)) if mapping else None


def describe_columns(columns: Columns) -> MappingDescription:
    def heading(index: int) -> str:
        if index < len(columns.headings):
            return columns.headings[index] or f"column {index + 1}"
        return f"column {index + 1}"

    lines = [f"{heading(columns.email)} → email"]
    if columns.name:
        lines.append(" + ".join(heading(index) for index in columns.name) + " → name")
    if columns.status is not None:
        lines.append(f"{heading(columns.status)} → status")
    elif columns.file_status:
        lines.append(f"status from the file ({columns.file_status})")
    else:
        lines.append("no status column: everyone is imported as subscribed")
    if columns.created:
        lines.append(
            ", else ".join(heading(index) for index in columns.created) + " → subscribed on"
        )
    if columns.labels is not None:
        lines.append(f"{heading(columns.labels)} → labels")
    used = {columns.email, *columns.name, *columns.created, columns.status, columns.labels}
    not_imported = [
        heading(index)
        for index, text in enumerate(columns.headings)
        if index not in used and text.strip()
    ]
    source = f"a {columns.product} export" if columns.product else GENERIC_SOURCE
    return MappingDescription(source=source, lines=lines, not_imported=not_imported)

"""Reading a Substack export zip: posts.csv and its bodies, email history, subscriber lists.

Substack's export holds `posts.csv`, one `posts/<post_id>.html` body per post, per-post
`<post_id>.delivers.csv` / `<post_id>.opens.csv` history (under posts/ or at the root) and the
subscribers as `email_list.<subdomain>.csv` or the dashboard's subscriber export. `reader` ties
the parts together; each other module reads one part, streaming.
"""

from masthead.importers.substack.csvfiles import parse_date
from masthead.importers.substack.reader import SubstackReader

__all__ = ["SubstackReader", "parse_date"]

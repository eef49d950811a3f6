"""Sending posts by email: fan-out to one delivery row per subscriber, claiming and sending
batches, retries, crash recovery, pause, resume and cancel; one module per part.

How a send survives crashes: every delivery is a row. A worker claims a batch with a
conditional UPDATE (state queued -> sending, claimed_by, claimed_at), sends it over one SMTP
connection and marks the rows sent. A worker that dies leaves its batch "sending"; the next
worker takes it back once the claim is older than the lease, or at once when the claimer was a
process on this machine that no longer exists. So a SIGKILL loses nothing and repeats at most
the batch that was in flight.

fan_out     a send per post, its delivery rows, test sends, suppressions, the tracking choice
claiming    claiming batches, taking back the claims of dead workers
sending     rendering and sending a claimed batch, marking each delivery
send_task   what one run of the send task does
control     pause, resume, cancel
progress    counts by state, finishing a send
limits      the delivery settings as the services read them
"""

# posts.services fans a publication out through this name.
from masthead.delivery.services.fan_out import create_send

__all__ = ["create_send"]

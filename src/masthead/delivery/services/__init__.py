"""Sending posts by email: fan-out to one delivery row per subscriber, claiming and sending
batches, retries, crash recovery, pause, resume and cancel; one module per part.

How a send survives crashes: every delivery is a row. A worker claims a batch with a
conditional UPDATE (state queued -> sending, claimed_by its id), sends it over one SMTP
connection and records each delivery the moment the relay accepts (or refuses) it. A worker that
dies leaves the rest of its batch "sending"; another worker takes it back once the dead worker's
heartbeat is stale (workers). So a SIGKILL loses nothing and repeats at most two messages: the
one in flight and the one whose record was being written.

fan_out     a send per post, its delivery rows, test sends, suppressions, the tracking choice
workers     one id per worker process, its heartbeat, who is alive
claiming    claiming batches, taking back the claims of dead workers
sending     sending a claimed batch, recording each delivery as it goes (bounce, retry, fail)
send_task   what one run of the send task does
control     pause, resume, cancel
progress    the unfinished deliveries, the counters, finishing a send
recovery    failing the tasks of dead workers, giving their sends their task chains back
limits      the delivery settings as the services read them
"""

# posts.services fans a publication out through this name.
from masthead.delivery.services.fan_out import create_send

__all__ = ["create_send"]

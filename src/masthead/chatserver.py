"""What `masthead chatserver` serves: masthead.asgi's application, in a process tuned for
thousands of long-lived sockets.

With the default thresholds the collector runs every few thousand allocations (a broadcast
makes one send per socket) and now and then walks every socket's objects, pausing the fan-out
of every room. `bench/chat.py 5000 --no-redis --messages 100`, two runs each: p99
fan-out 396 and 431 ms with the defaults, 310 and 195 ms with these (2 cores, clients included).
"""

import gc

from masthead.asgi import application

gc.freeze()  # what startup made lives as long as the process: never scan it again
gc.set_threshold(50_000, 20, 100)

__all__ = ["application"]

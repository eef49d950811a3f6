"""What `masthead chatserver` serves: masthead.asgi's application, in a process tuned for
thousands of long-lived sockets.

The server is uvicorn with websockets' sans-I/O protocol and no permessage-deflate (see
masthead.cli.chatserver_command). Measured with `bench/chat.py 5000 --no-redis --server ...`
on 2 cores: about 33 KB per open socket, against 168 KB under granian (its WebSocket buffers
alone cost about 150 KB a socket, with a bare app) for the same CPU per broadcast. Browsers
offer compression, and a compressed socket keeps two zlib contexts: 57 to 125 KB more each.

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

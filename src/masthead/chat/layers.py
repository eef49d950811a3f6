"""The in-memory channel layer for one chat server process without Redis.

Channels' InMemoryChannelLayer scans every channel and every group membership for expired
messages on each receive: with N sockets in a room, one broadcast costs N receives of O(N)
each. This one scans at most once a second, which is all the expiry (60 s) needs.
"""

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

CLEAN_EVERY = 1.0  # seconds


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self.cleaned_at >= CLEAN_EVERY:
            self.cleaned_at = now
            super()._clean_expired()

"""Real video for the simulated backend: test-scene clips (``clips``), endless MPEG-TS streams cut
from them (``segments``) and the HTTP server of the cameras' live HLS streams (``feeds``)."""

from server_link.sim.video.feeds import CameraFeeds

__all__ = ["CameraFeeds"]

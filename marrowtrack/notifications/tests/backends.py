"""SMS backends for tests: one that fails, and two that kill the worker process mid-send
(a real SIGKILL: no cleanup, no exception handler, exactly like a power cut)."""

from __future__ import annotations

import os
import signal

from marrowtrack.notifications.backends import FileSmsBackend


class FailingSmsBackend(FileSmsBackend):
    failures_left = 0

    def send(self, *, key: str, to: str, subject: str, body: str) -> str:
        if FailingSmsBackend.failures_left > 0:
            FailingSmsBackend.failures_left -= 1
            raise ConnectionError("SMS gateway timed out")
        return super().send(key=key, to=to, subject=subject, body=body)


class KillAfterSendBackend(FileSmsBackend):
    """Delivers (the line is in the file, fsynced), then the worker dies before it can
    record SENT: the crash between send and acknowledgement."""

    def send(self, *, key: str, to: str, subject: str, body: str) -> str:
        super().send(key=key, to=to, subject=subject, body=body)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


class KillBeforeSendBackend(FileSmsBackend):
    """Dies after the message was claimed (SENDING committed) but before anything left."""

    def send(self, *, key: str, to: str, subject: str, body: str) -> str:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

"""Runs INSIDE soffice (a lam_* bridge module, see lam_ctx). Calls on soffice's main thread: `_on_main_thread`
for actions (returns early when the action opened a modal dialog), `_main_call` for reads, `_idle`."""

import threading
import time

import unohelper
from com.sun.star.awt import XCallback

import lam_ctx as C
from lam_a11y import _dialogs

MAIN_THREAD_WAIT_S = 5.0  # an action that neither finishes nor opens a dialog by then is reported as stuck
_LOCAL = threading.local()  # .on_main: this thread is running a _MainThreadCall


def _idle():
    """Wait until soffice has handled its pending events, on its main thread: handled from this thread, an
    event that opens a modal dialog (a menu item's posted select) would run the dialog here and block."""
    _on_main_thread(lambda: C.call(C.TOOLKIT, "processEventsToIdle"))


class _MainThreadCall(unohelper.Base, XCallback):
    def __init__(self, fn):
        self.fn = fn
        self.done = threading.Event()
        self.result = self.error = None

    def notify(self, data):
        outer = getattr(_LOCAL, "on_main", False)  # calls nest while a modal dialog runs its event loop
        _LOCAL.on_main = True
        try:
            self.result = self.fn()
        except Exception as e:
            self.error = e
        finally:
            _LOCAL.on_main = outer
            self.done.set()


def _on_main_thread(fn):
    """Run fn on soffice's main thread and wait until it is done or has opened a dialog.

    Some actions run a modal dialog inside the call that opened it (a dialog's button that opens another
    dialog, e.g. Find and Replace > Format...; a menu item whose posted select is handled by an idle-wait in
    this thread): called from here, the call would not return before the dialog closed and the watchdog
    killed soffice. On the main thread the dialog runs its own event loop, this thread sees it appear and
    returns, and the next call operates the dialog as usual."""
    if getattr(_LOCAL, "on_main", False):  # already there (e.g. a double click's idle-wait)
        fn()
        return
    before = len(_dialogs())
    call = _MainThreadCall(fn)
    C.call(C.ASYNC_CALLBACK, "addCallback", call, None)
    deadline = time.monotonic() + MAIN_THREAD_WAIT_S
    while not call.done.wait(0.005):
        if len(_dialogs()) > before:
            return
        if time.monotonic() > deadline:
            raise ValueError("the action is still running after %.0f s" % MAIN_THREAD_WAIT_S)
    if call.error is not None:
        raise call.error


def _main_call(fn):
    """Run fn, which opens no dialog, on soffice's main thread and return its result. Many UNO calls made from
    this thread (a tree walk, showing a window) are slower: each one contends for the SolarMutex with the main
    thread handling the events the previous ones caused. A hang is left to the caller's watchdog."""
    if getattr(_LOCAL, "on_main", False):
        return fn()
    call = _MainThreadCall(fn)
    C.call(C.ASYNC_CALLBACK, "addCallback", call, None)
    call.done.wait()
    if call.error is not None:
        raise call.error
    return call.result


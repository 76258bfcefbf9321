"""Runs INSIDE soffice (a lam_* bridge module, see lam_ctx). Reset: `load` opens the episode's document in a
new window, closes every other one and puts back the UI state recorded after the first load (view options,
toolbars' window states, dialogs' memory, side windows, clipboard); closing dialogs and menus."""

import time

import uno
import unohelper
from com.sun.star.datatransfer import XTransferable
from com.sun.star.frame import XStatusListener
from com.sun.star.io import IOException
from com.sun.star.lang import IllegalArgumentException
from com.sun.star.task import XInteractionHandler
from com.sun.star.util import XChangesListener

import lam_ctx as C
from lam_a11y import ROLES, Walker, _dialogs, _frame
from lam_mainthread import _idle, _main_call

# A toolbar shows its buttons' states this long after it is shown (framework's ToolBarManager updates its
# controllers on a 50 ms timer); until then every button reads as enabled and unchecked.
TOOLBAR_STATES_DELAY_S = 0.052


def close_menus():
    """Escape out of an open menu: clearing the menu bar's selection closes its popup."""
    root = _frame().getContainerWindow().getAccessibleContext()
    for i in range(root.getAccessibleChildCount()):
        child = root.getAccessibleChild(i)
        c = child.getAccessibleContext() if child is not None else None
        if c is not None and ROLES.get(c.getAccessibleRole()) == "MENU_BAR":
            c.clearAccessibleSelection()
            return


def load(url, size=None):
    """Open `url` as the episode's document and close every other window, leaving the UI as it was after
    the first load (toolbars, view options, side windows, dialogs), whatever the last episode did to it.

    The document is loaded into a new hidden frame that is then shown: loading into the visible frame
    makes soffice rebuild and repaint the window during the import, about 3x slower."""
    desktop = C.desktop()
    baseline = C.STATE["baseline"]
    if baseline is not None:
        close_dialogs()
        close_menus()
        _restore_module_state(baseline)  # before the new view reads it
        C.CLIPBOARD.setContents(_EmptyTransferable(), None)  # the Paste button starts disabled, as after a start
    handler = _NoInteraction()
    args = {"Hidden": True, "InteractionHandler": handler}
    if not url.startswith("private:"):
        args["AsTemplate"] = False
    try:
        doc = desktop.loadComponentFromURL(url, "_blank", 0, C.props(args))
    except (IllegalArgumentException, IOException) as e:  # e.g. "type detection aborted" (an encrypted package)
        doc, handler.problems = None, handler.problems or [str(e).split(" at ./")[0]]
    if doc is None:
        raise ValueError("LibreOffice could not open %s%s" % (url, "".join("; " + p for p in handler.problems)))
    _main_call(lambda: _show(doc.getCurrentController().getFrame(), size, baseline))


def _show(frame, size, baseline):
    """Make `frame` the only window, visible and active (on the main thread)."""
    window = frame.getContainerWindow()
    if size:
        window.setPosSize(0, 0, size[0], size[1], 15)
    window.setVisible(True)
    frame.activate()
    _idle()  # delivers the window-shown event: the toolbars show and start their state timers
    C.STATE["toolbars_ready"] = time.monotonic() + TOOLBAR_STATES_DELAY_S
    C.STATE["frame"] = frame
    frames = C.desktop().getFrames()  # noqa: F821
    for other in [frames.getByIndex(i) for i in range(frames.getCount())]:
        if other != frame:  # the last document, and windows the episode opened (a new document, the Basic IDE)
            _close_frame(other)
    if baseline is None:
        _set_command_states(frame, CLOSED_AT_START)
        C.STATE["windows_changed"] = _ChangeFlag(C.APP.WINDOW_STATES)
        C.STATE["baseline"] = _capture_ui(frame)
    else:
        _set_command_states(frame, baseline["commands"])
    _idle()
    _focus_document()


def _close_frame(frame):
    """Dispose of the frame, which closes its document too: 10x faster than XCloseable.close, which saves
    the toolbars' and the view's state on the way out (state load() restores anyway)."""
    controller = frame.getController()
    model = controller.getModel() if controller is not None else None
    if model is not None:
        model.setModified(False)  # no "save changes?" prompt
    frame.dispose()
    if model is not None:
        try:
            model.close(True)  # normally closed with its last view already
        except Exception:
            pass


# soffice keeps some UI state per application, not per document: toolbar visibility (window states), the
# application's view options (Writer's formatting marks, rulers, zoom, field shadings, ...), side windows
# (sidebar, navigator, ...), the tab and options each dialog reopens with, and the clipboard. load() records
# them after the first load and puts them back before each later one. Which module's window states and view
# settings: the application's MODULE, WINDOW_STATES and GLOBAL_SETTINGS (lam_ctx.APP).

# Commands whose checked state is a side window or an application-wide mode a user can toggle.
STATE_COMMANDS = (".uno:Sidebar", ".uno:Navigator", ".uno:Gallery", ".uno:SearchDialog", ".uno:SpellOnline",
                  ".uno:ViewDataSourceBrowser", ".uno:FullScreen")
VIEWS = "/org.openoffice.Office.Views"
VIEW_SETS = ("Dialogs", "TabDialogs", "TabPages", "Windows")
# The sidebar opens with the first document; the agent starts without it (it doubles the cost of opening a
# document and floods the control list; a user can still open it from the View menu).
CLOSED_AT_START = {".uno:Sidebar": False}


def _global_view_settings():
    """The module's application-wide view options; None for a module without such a service (Calc keeps its
    view options in each document's view)."""
    if not C.APP.GLOBAL_SETTINGS:
        return None
    return C.SMGR.createInstanceWithContext(C.APP.GLOBAL_SETTINGS, C.CTX).ViewSettings


def _window_states():
    wsc = C.SMGR.createInstanceWithContext("com.sun.star.ui.WindowStateConfiguration", C.CTX)
    return wsc.getByName(C.APP.MODULE)


def _capture_ui(frame):
    view = _global_view_settings()
    names = [p.Name for p in view.getPropertySetInfo().getProperties()] if view is not None else []
    states = _window_states()
    views = _config(VIEWS)
    return {
        "view": dict(zip(names, view.getPropertyValues(names))) if names else {},
        "windows": {n: states.getByName(n) for n in states.getElementNames()},
        "views": {s: _plain_entries(views.getByName(s)) for s in VIEW_SETS},
        "commands": {cmd: _command_state(frame, cmd) for cmd in STATE_COMMANDS},
    }


def _config(path):
    arg = uno.createUnoStruct("com.sun.star.beans.NamedValue")
    arg.Name, arg.Value = "nodepath", path
    provider = C.SMGR.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", C.CTX)
    return provider.createInstanceWithArguments("com.sun.star.configuration.ConfigurationUpdateAccess", (arg,))


def _plain_entries(config_set):
    """Each entry's values, without its sub-nodes (a dialog's UserData set)."""
    out = {}
    for name in config_set.getElementNames():
        node = config_set.getByName(name)
        values = ((k, node.getPropertyValue(k)) for k in node.getElementNames())
        out[name] = {k: v for k, v in values if not hasattr(v, "getElementNames")}
    return out


def _restore_views(baseline):
    """Dialogs reopen on the tab, at the place and with the options they were left with (the Views
    configuration); side windows remember being open. Back to the baseline's entries."""
    views = _config(VIEWS)
    changed = False
    for set_name in VIEW_SETS:  # every reset, an entry per dialog ever opened: C.call (lam_ctx.call: no leak)
        entries, wanted = C.call(views, "getByName", set_name), baseline[set_name]
        for name in C.call(entries, "getElementNames"):
            if name not in wanted:
                C.call(entries, "removeByName", name)
                changed = True
                continue
            node = C.call(entries, "getByName", name)
            for key, value in wanted[name].items():
                if C.call(node, "getPropertyValue", key) != value:
                    C.call(node, "setPropertyValue", key, value)
                    changed = True
    if changed:
        C.call(views, "commitChanges")


def _restore_module_state(baseline):
    """The application module's view options, the toolbars' window states and the dialogs' memory, as recorded in
    `baseline`."""
    view = _global_view_settings()
    names = list(baseline["view"])
    values = view.getPropertyValues(names) if names else ()
    changed = [(n, v) for n, v in zip(names, values) if v != baseline["view"][n]]
    if changed:
        view.setPropertyValues(tuple(n for n, _ in changed), tuple(baseline["view"][n] for n, _ in changed))
    if C.STATE["windows_changed"].changed:  # comparing them costs ~8 ms; episodes rarely touch toolbars
        C.STATE["windows_changed"].changed = False  # first: a change made from now on (ours too) is seen next time
        _restore_window_states(baseline["windows"])
    _restore_views(baseline["views"])


def _restore_window_states(wanted):
    states = _window_states()
    for name in states.getElementNames():
        if name not in wanted:
            states.removeByName(name)  # a toolbar first shown after the start: back to its default
        elif states.getByName(name) != wanted[name]:
            value = uno.Any("[]com.sun.star.beans.PropertyValue", wanted[name])
            uno.invoke(states, "replaceByName", (name, value))  # a plain tuple arrives as the wrong type


class _ChangeFlag(unohelper.Base, XChangesListener):
    """`changed` turns True whenever a change below `path` is committed, by anyone. The window-state
    configuration (framework's WindowStateConfiguration) commits each change as it is made."""

    def __init__(self, path):
        self.changed = True
        self.access = _config(path)  # the listener lives as long as this access
        self.access.addChangesListener(self)

    def changesOccurred(self, event):
        self.changed = True

    def disposing(self, source):
        self.changed = True


class _NoInteraction(unohelper.Base, XInteractionHandler):
    """The loader's interaction handler: nobody is there to answer. A request is left unanswered (the loader
    aborts, at once); a password request is noted, so the error says why: it is the only sign that a .doc or
    .xls is protected (documents.py sees only OOXML's and ODF's encryption)."""

    def __init__(self):
        self.problems = []

    def handle(self, request):
        # the request itself (an exception in an Any) does not convert in pyuno 7.4 (SystemError); a password
        # request is the one that offers an XInteractionPassword to answer it
        if any(hasattr(c, "setPassword") for c in request.getContinuations()) and not self.problems:
            self.problems.append("it is password-protected")


class _EmptyTransferable(unohelper.Base, XTransferable):
    def getTransferData(self, flavor):
        raise ValueError("the clipboard is empty")

    def getTransferDataFlavors(self):
        return ()

    def isDataFlavorSupported(self, flavor):
        return False


class _StateListener(unohelper.Base, XStatusListener):
    def __init__(self):
        self.state = None

    def statusChanged(self, event):
        self.state = event.State if event.IsEnabled else None

    def disposing(self, source):
        pass


def _url(cmd):
    url = uno.createUnoStruct("com.sun.star.util.URL")
    url.Complete = cmd
    return C.call(C.URL_TRANSFORMER, "parseStrict", url)[1]


def _command_state(frame, cmd):
    """The checked state of a toggle command in `frame` (what its menu item shows), None if unavailable."""
    url = _url(cmd)
    dispatch = C.call(frame, "queryDispatch", url, "", 0)
    if dispatch is None:
        return None
    listener = _StateListener()
    C.call(dispatch, "addStatusListener", listener, url)  # answers with the current state at once
    C.call(dispatch, "removeStatusListener", listener, url)
    return listener.state if isinstance(listener.state, bool) else None


def _set_command_states(frame, wanted):
    for cmd, state in wanted.items():
        if state is not None and _command_state(frame, cmd) not in (state, None):
            C.DISPATCHER.executeDispatch(frame, cmd, "", 0, ())


def _focus_document():
    """Give the document window the focus back after a dialog closed: without it the menu bar
    ignores the next click (VCL opens menus only in the active window)."""
    frame = _frame()
    if frame is not None:
        frame.getContainerWindow().setFocus()
        frame.getComponentWindow().setFocus()


def close_dialogs(limit=5):
    """Cancel open dialogs (reset uses it so a stuck dialog never leaks into the next episode)."""
    for _ in range(limit):
        dialogs = _dialogs()
        if not dialogs:
            return
        d = dialogs[-1]
        w = Walker(in_dialog=True)
        w.walk(d, [])
        names = {c["name"]: c["label"] for c in w.controls if c["type"] == "PUSH_BUTTON"}
        for cancel in ("Cancel", "Close", "No", "Don't Save", "OK"):
            if cancel in names:
                w.nodes[names[cancel]].doAccessibleAction(0)
                break
        else:
            return
        _idle()
        if not _dialogs():
            _focus_document()

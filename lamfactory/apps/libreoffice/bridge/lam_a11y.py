"""Runs INSIDE soffice (a lam_* bridge module, see lam_ctx). The accessibility tree: roles and states, the
`Walker` that turns a window's tree into the observation's controls, the episode's frame and document, the
open dialogs."""

from com.sun.star.lang import DisposedException

import lam_ctx as C
from lam_ctx import call


def _constants(group):
    return {c.getConstantValue(): c.getName().rsplit(".", 1)[-1]
            for c in C.TDM.getByHierarchicalName(group).getConstants()}


ROLES = _constants("com.sun.star.accessibility.AccessibleRole")
STATES = _constants("com.sun.star.accessibility.AccessibleStateType")

# Roles a user can act on. Containers are walked but not listed.
ACTIONABLE = {
    "PUSH_BUTTON", "TOGGLE_BUTTON", "BUTTON_DROPDOWN", "BUTTON_MENU", "MENU", "MENU_ITEM",
    "CHECK_MENU_ITEM", "RADIO_MENU_ITEM", "COMBO_BOX", "SPIN_BOX", "TEXT", "PASSWORD_TEXT",
    "CHECK_BOX", "RADIO_BUTTON", "PAGE_TAB", "LIST_ITEM", "TREE_ITEM", "LIST", "TREE",
}
# Never descend: the document body (canvas covers it), decoration and the status bar.
NO_DESCEND = {"DOCUMENT_TEXT", "DOCUMENT", "PARAGRAPH", "HEADING", "TABLE", "SHAPE", "EMBEDDED_OBJECT",
              "SEPARATOR", "STATUS_BAR", "SCROLL_BAR", "RULER", "ICON", "LABEL", "STATIC"}
# Above this many children a list is summarised as `items` instead of one control per item.
MAX_LIST_CONTROLS = 60
MAX_ITEMS = 400


def _states(ctx):
    raw = call(ctx, "getAccessibleStateSet")
    if isinstance(raw, int):  # LibreOffice >= 7.5: int64 bit set
        return [name for value, name in STATES.items() if value and raw & (1 << value)]
    if raw is None:
        return []
    return [STATES.get(s, str(s)) for s in call(raw, "getStates")]  # 7.4: XAccessibleStateSet


def _text(ctx):
    """The context's text (XAccessibleText), None when it has none."""
    try:
        return call(ctx, "getText")
    except Exception:  # no such method: not a text
        return None


def _child_context(ctx, i):
    child = call(ctx, "getAccessibleChild", i)
    return call(child, "getAccessibleContext") if child is not None else None


def _value(ctx, role):
    try:
        text = _text(ctx) if role == "SPIN_BOX" else None
        if text:
            return text  # with its unit, e.g. '1.50 cm'
        if role in ("SPIN_BOX", "SCROLL_BAR", "SLIDER", "PROGRESS_BAR"):
            v = call(ctx, "getCurrentValue")
            if v is not None:
                return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        if role in ("TEXT", "PASSWORD_TEXT", "SPIN_BOX", "COMBO_BOX"):
            text = _text(ctx)
            if text is not None:
                return text
            for i in range(min(call(ctx, "getAccessibleChildCount"), 4)):
                c = _child_context(ctx, i)
                if c is not None and ROLES.get(call(c, "getAccessibleRole")) == "TEXT":
                    text = _text(c)
                    if text is not None:
                        return text
    except Exception:
        pass
    return None


def _list_items(ctx):
    out = []
    n = call(ctx, "getAccessibleChildCount")
    for i in range(min(n, MAX_ITEMS)):
        c = _child_context(ctx, i)
        if c is not None:
            out.append(call(c, "getAccessibleName"))
    return out


_ITEMS_CACHE = {}  # (list name, item count, first item) -> items: font/size lists rarely change


def _combo_items(ctx):
    for i in range(min(call(ctx, "getAccessibleChildCount"), 4)):
        c = _child_context(ctx, i)
        if c is not None and ROLES.get(call(c, "getAccessibleRole")) == "LIST":
            n = call(c, "getAccessibleChildCount")
            first = call(_child_context(c, 0), "getAccessibleName") if n else ""
            key = (call(ctx, "getAccessibleName"), n, first)
            if key not in _ITEMS_CACHE:
                if len(_ITEMS_CACHE) > 500:
                    _ITEMS_CACHE.clear()
                _ITEMS_CACHE[key] = _list_items(c)
            return _ITEMS_CACHE[key]
    return []


class Walker:
    def __init__(self, in_dialog):
        self.in_dialog = in_dialog
        self.controls = []
        self.nodes = {}

    def add(self, ctx, role, name, states, path, items=None):
        label = str(len(self.controls) + 1)
        self.nodes[label] = ctx
        rec = {"label": label, "name": name, "type": role, "states": states, "path": list(path)}
        value = _value(ctx, role)
        if value is not None:
            rec["value"] = value
        if items:
            rec["items"] = items
        self.controls.append(rec)

    def walk(self, ctx, path):
        n = call(ctx, "getAccessibleChildCount")
        for i in range(n):
            try:
                c = _child_context(ctx, i)
            except Exception:
                continue
            if c is None:  # transient popups hand out null contexts
                continue
            try:
                self.visit(c, path)
            except DisposedException:  # a popup or dialog closed while we walked it: it is no longer there
                continue

    def visit(self, c, path):
        role = ROLES.get(call(c, "getAccessibleRole"), "UNKNOWN")
        if role in NO_DESCEND:
            return
        states = _states(c)
        if "SHOWING" not in states:
            return
        name = call(c, "getAccessibleName")
        if not name and self.in_dialog and path and role in ("COMBO_BOX", "SPIN_BOX", "TEXT", "LIST"):
            name = path[-1]  # an unlabelled field is named by its frame (e.g. 'Line Spacing')
        if role in ("MENU", "MENU_ITEM", "CHECK_MENU_ITEM", "RADIO_MENU_ITEM"):
            self.visit_menu(c, role, name, states, path)
            return
        if role == "COMBO_BOX":
            # toolbar combo boxes are named after their current value; the item window holds the real name
            if path and not self.in_dialog:
                name = path[-1]
            self.add(c, role, name, states, path[:-1] if not self.in_dialog else path, _combo_items(c))
            return
        if role in ("LIST", "TREE"):
            n = call(c, "getAccessibleChildCount")
            if self.in_dialog and n <= MAX_LIST_CONTROLS:
                self.add(c, role, name, states, path)
                self.walk(c, path + [name or role])
            else:
                self.add(c, role, name, states, path, _list_items(c))
            return
        if role in ACTIONABLE and (name or role in ("TEXT", "SPIN_BOX")):
            self.add(c, role, name, states, path)
            if role == "PAGE_TAB":  # the selected tab holds the visible page's widgets
                if "SELECTED" in states:
                    self.walk(c, path + [name])
                return
            if role in ("TEXT", "SPIN_BOX", "LIST_ITEM", "PUSH_BUTTON", "TOGGLE_BUTTON", "CHECK_BOX",
                        "RADIO_BUTTON"):
                return
        sub = path + [name] if name and role in ("TOOL_BAR", "PANEL", "PAGE_TAB_LIST", "DIALOG", "FRAME",
                                                  "MENU_BAR", "GROUP_BOX") else path
        self.walk(c, sub)

    def visit_menu(self, c, role, name, states, path):
        # A menu's items have empty names until it is opened: list only menus a user can see now
        # (menu bar entries, items of open menus) and descend only into open ones.
        if not name or "SHOWING" not in states:
            return
        self.add(c, role, name, states, path)
        # an open menu-bar entry is SELECTED; an open submenu is checked through its items
        if role == "MENU" and ("SELECTED" in states or (path and _menu_open(c))):
            self.walk(c, path + [name])


def _menu_open(c):
    n = call(c, "getAccessibleChildCount")
    for i in range(min(n, 3)):
        cc = _child_context(c, i)
        if cc is not None and "SHOWING" in _states(cc) and call(cc, "getAccessibleName"):
            return True
    return False


def _frame():
    """The episode's document frame (set by load). Not the desktop's current frame: that may be an in-place
    object's sub-frame (an activated chart) or a dialog's."""
    frame = C.STATE["frame"]
    if frame is None:
        frames = C.desktop().getFrames()
        frame = frames.getByIndex(0) if frames.getCount() else None
    return frame


def _doc():
    frame = _frame()
    return frame.getController().getModel() if frame is not None else None


def _dialogs():
    """Open dialogs / message boxes (top windows that are not the document frame), the top-most last
    (the toolkit lists the newest window first)."""
    frame = _frame()
    main = call(frame, "getContainerWindow") if frame is not None else None
    out = []
    for i in reversed(range(call(C.TOOLKIT, "getTopWindowCount"))):
        w = call(C.TOOLKIT, "getTopWindow", i)
        if w is None or w == main:
            continue
        try:
            ctx = call(w, "getAccessibleContext")
        except Exception:
            continue
        if ctx is None:
            continue
        role = ROLES.get(call(ctx, "getAccessibleRole"), "")
        if role in ("DIALOG", "ALERT", "FILE_CHOOSER", "OPTION_PANE") and "SHOWING" in _states(ctx):
            out.append(ctx)
    return out


def observe_controls():
    dialogs = _dialogs()
    if dialogs:
        d = dialogs[-1]
        w = Walker(in_dialog=True)
        title = call(d, "getAccessibleName")
        w.walk(d, [title])
        return w, title
    w = Walker(in_dialog=False)
    w.walk(call(call(_frame(), "getContainerWindow"), "getAccessibleContext"), [])
    return w, None


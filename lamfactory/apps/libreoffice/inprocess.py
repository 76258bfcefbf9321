"""Runs INSIDE soffice (copied into the private profile's user/Scripts/python, called through the script
provider). One entry point, `lam_call(request_json) -> response_json`, so each environment call is one
bridge round trip; the tree walk and the canvas cost ~10x less here than over the bridge.

This file must not import lamfactory: soffice's own Python runs it. Module globals persist between calls
(the script provider caches the module), which is how labels from the last observation stay groundable.
"""

import json
import re
import threading
import time
import traceback

import uno
import unohelper
from com.sun.star.awt import XCallback
from com.sun.star.datatransfer import XTransferable
from com.sun.star.frame import XStatusListener
from com.sun.star.util import XChangesListener

CTX = XSCRIPTCONTEXT.getComponentContext()  # noqa: F821  (injected by the script provider)
SMGR = CTX.getServiceManager()
TOOLKIT = SMGR.createInstanceWithContext("com.sun.star.awt.Toolkit", CTX)
DISPATCHER = SMGR.createInstanceWithContext("com.sun.star.frame.DispatchHelper", CTX)
ASYNC_CALLBACK = SMGR.createInstanceWithContext("com.sun.star.awt.AsyncCallback", CTX)
CLIPBOARD = SMGR.createInstanceWithContext("com.sun.star.datatransfer.clipboard.SystemClipboard", CTX)
URL_TRANSFORMER = SMGR.createInstanceWithContext("com.sun.star.util.URLTransformer", CTX)
TDM = CTX.getValueByName("/singletons/com.sun.star.reflection.theTypeDescriptionManager")


def _constants(group):
    return {c.getConstantValue(): c.getName().rsplit(".", 1)[-1]
            for c in TDM.getByHierarchicalName(group).getConstants()}


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
DIALOG_WAIT_S = 1.0  # how long a click on "Something..." waits for its dialog to appear
MAIN_THREAD_WAIT_S = 5.0  # an action that neither finishes nor opens a dialog by then is reported as stuck
# A toolbar shows its buttons' states this long after it is shown (framework's ToolBarManager updates its
# controllers on a 50 ms timer); until then every button reads as enabled and unchecked.
TOOLBAR_STATES_DELAY_S = 0.052

ALIGN = {0: "left", 1: "right", 2: "justify", 3: "center", 4: "justify"}

_LOCAL = threading.local()  # .on_main: this thread is running a _MainThreadCall
LAST = {"nodes": {}}  # label -> XAccessibleContext of the last observation
# the episode's frame; the UI state after the first load (and whether the toolbars' part may have changed
# since); when the new window's toolbars show their real states
STATE = {"frame": None, "baseline": None, "windows_changed": None, "toolbars_ready": 0.0}


def _states(ctx):
    raw = ctx.getAccessibleStateSet()
    if isinstance(raw, int):  # LibreOffice >= 7.5: int64 bit set
        return [name for value, name in STATES.items() if value and raw & (1 << value)]
    if raw is None:
        return []
    return [STATES.get(s, str(s)) for s in raw.getStates()]  # 7.4: XAccessibleStateSet


def _value(ctx, role):
    try:
        if role == "SPIN_BOX" and hasattr(ctx, "getText") and ctx.getText():
            return ctx.getText()  # with its unit, e.g. '1.50 cm'
        if role in ("SPIN_BOX", "SCROLL_BAR", "SLIDER", "PROGRESS_BAR"):
            v = ctx.getCurrentValue()
            if v is not None:
                return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        if role in ("TEXT", "PASSWORD_TEXT", "SPIN_BOX", "COMBO_BOX"):
            if hasattr(ctx, "getText"):
                return ctx.getText()
            for i in range(min(ctx.getAccessibleChildCount(), 4)):
                child = ctx.getAccessibleChild(i)
                c = child.getAccessibleContext() if child is not None else None
                if c is not None and ROLES.get(c.getAccessibleRole()) == "TEXT" and hasattr(c, "getText"):
                    return c.getText()
    except Exception:
        pass
    return None


def _list_items(ctx):
    out = []
    n = ctx.getAccessibleChildCount()
    for i in range(min(n, MAX_ITEMS)):
        child = ctx.getAccessibleChild(i)
        c = child.getAccessibleContext() if child is not None else None
        if c is not None:
            out.append(c.getAccessibleName())
    return out


_ITEMS_CACHE = {}  # (list name, item count, first item) -> items: font/size lists rarely change


def _combo_items(ctx):
    for i in range(min(ctx.getAccessibleChildCount(), 4)):
        child = ctx.getAccessibleChild(i)
        c = child.getAccessibleContext() if child is not None else None
        if c is not None and ROLES.get(c.getAccessibleRole()) == "LIST":
            n = c.getAccessibleChildCount()
            first = c.getAccessibleChild(0).getAccessibleContext().getAccessibleName() if n else ""
            key = (ctx.getAccessibleName(), n, first)
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
        n = ctx.getAccessibleChildCount()
        for i in range(n):
            try:
                child = ctx.getAccessibleChild(i)
            except Exception:
                continue
            c = child.getAccessibleContext() if child is not None else None
            if c is None:  # transient popups hand out null contexts
                continue
            self.visit(c, path)

    def visit(self, c, path):
        role = ROLES.get(c.getAccessibleRole(), "UNKNOWN")
        if role in NO_DESCEND:
            return
        states = _states(c)
        if "SHOWING" not in states:
            return
        name = c.getAccessibleName()
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
            n = c.getAccessibleChildCount()
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
    n = c.getAccessibleChildCount()
    for i in range(min(n, 3)):
        child = c.getAccessibleChild(i)
        cc = child.getAccessibleContext() if child is not None else None
        if cc is not None and "SHOWING" in _states(cc) and cc.getAccessibleName():
            return True
    return False


def _frame():
    """The episode's document frame (set by load). Not the desktop's current frame: that may be an in-place
    object's sub-frame (an activated chart) or a dialog's."""
    frame = STATE["frame"]
    if frame is None:
        frames = XSCRIPTCONTEXT.getDesktop().getFrames()  # noqa: F821
        frame = frames.getByIndex(0) if frames.getCount() else None
    return frame


def _doc():
    frame = _frame()
    return frame.getController().getModel() if frame is not None else None


def _dialogs():
    """Open dialogs / message boxes (top windows that are not the document frame), the top-most last
    (the toolkit lists the newest window first)."""
    frame = _frame()
    main = frame.getContainerWindow() if frame is not None else None
    out = []
    for i in reversed(range(TOOLKIT.getTopWindowCount())):
        w = TOOLKIT.getTopWindow(i)
        if w is None or w == main:
            continue
        try:
            ctx = w.getAccessibleContext()
        except Exception:
            continue
        if ctx is None:
            continue
        role = ROLES.get(ctx.getAccessibleRole(), "")
        if role in ("DIALOG", "ALERT", "FILE_CHOOSER", "OPTION_PANE") and "SHOWING" in _states(ctx):
            out.append(ctx)
    return out


def observe_controls():
    dialogs = _dialogs()
    if dialogs:
        d = dialogs[-1]
        w = Walker(in_dialog=True)
        title = d.getAccessibleName()
        w.walk(d, [title])
        return w, title
    w = Walker(in_dialog=False)
    w.walk(_frame().getContainerWindow().getAccessibleContext(), [])
    return w, None


# ------------------------------------------------------------------ canvas (document model)


def _color(v):
    return None if v is None or v < 0 else "%06X" % (v & 0xFFFFFF)


def _char_props(obj):
    return {
        "bold": obj.CharWeight > 100,
        "italic": obj.CharPosture.value != "NONE",
        "underline": obj.CharUnderline != 0,
        "strike": obj.CharStrikeout not in (0, 5),  # NONE, DONTKNOW
        "font": obj.CharFontName,
        "size": round(obj.CharHeight, 1),
        "color": _color(obj.CharColor),
        "highlight": _color(obj.CharHighlight) or _color(obj.CharBackColor),
    }


def _runs(para, plain):
    """Text portions whose character formatting differs from the paragraph style's (`plain`)."""
    runs = []
    for portion in _iter(para):
        if portion.TextPortionType != "Text":
            continue
        text = portion.getString()
        if not text:
            continue
        props = _char_props(portion)
        r = {"text": text}
        for key, value in props.items():
            if value != plain[key]:
                r[key] = value
        if len(r) > 1:
            runs.append(r)
    return runs


def _iter(container):
    e = container.createEnumeration()
    while e.hasMoreElements():
        yield e.nextElement()


def _is_list(para):
    try:
        if not para.NumberingIsNumber:
            return False
        rules = para.NumberingRules
        if rules is None:
            return False
        level = max(para.NumberingLevel, 0)
        props = {p.Name: p.Value for p in rules.getByIndex(level)}
        return props.get("NumberingType", 5) != 5  # 5 = NUMBER_NONE (e.g. plain outline headings)
    except Exception:
        return False


def _cell_name(r, c):
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return "%s%d" % (letters, r + 1)


def _table(index, t):
    rows, cols = t.getRows().getCount(), t.getColumns().getCount()
    cells = []
    for r in range(rows):
        row = []
        for c in range(cols):
            cell = t.getCellByName(_cell_name(r, c))
            row.append(cell.getString() if cell is not None else "")
        cells.append(row)
    return {"index": index, "rows": rows, "cols": cols, "cells": cells}


def canvas(max_paragraphs=80, max_chars=300):
    doc = _doc()
    styles = doc.getStyleFamilies().getByName("ParagraphStyles")
    style_cache = {}
    paragraphs, tables = [], []
    for el in _iter(doc.getText()):
        if el.supportsService("com.sun.star.text.TextTable"):
            tables.append(_table(len(tables) + 1, el))
            continue
        if len(paragraphs) >= max_paragraphs:
            continue
        style = el.ParaStyleName
        if style not in style_cache:
            s = styles.getByName(style)
            style_cache[style] = (_char_props(s), s.getPropertyValue("DisplayName"))
        plain, display = style_cache[style]
        paragraphs.append({
            "index": len(paragraphs) + 1, "text": el.getString()[:max_chars], "style": display,
            "alignment": ALIGN.get(el.ParaAdjust, "left"), "is_list": _is_list(el),
            "runs": _runs(el, plain),
        })
    out = {"paragraphs": paragraphs, "tables": tables, "header": "", "footer": "", "selection": "", "page": {}}
    page_style = doc.getStyleFamilies().getByName("PageStyles").getByName(
        doc.getText().createTextCursor().PageStyleName)
    if page_style.HeaderIsOn:
        out["header"] = page_style.HeaderText.getString()
    if page_style.FooterIsOn:
        out["footer"] = page_style.FooterText.getString()
    out["page"] = {
        "orientation": "landscape" if page_style.IsLandscape else "portrait",
        "margins_cm": {side: round(getattr(page_style, side.capitalize() + "Margin") / 1000.0, 2)
                       for side in ("left", "right", "top", "bottom")},
        "columns": page_style.TextColumns.getColumnCount() or 1,
    }
    try:
        sel = doc.getCurrentController().getSelection()
        if sel is not None and hasattr(sel, "getCount") and sel.getCount() > 0:
            out["selection"] = sel.getByIndex(0).getString()[:max_chars]
    except Exception:
        pass
    return out


# ------------------------------------------------------------------ actions


def _idle():
    """Wait until soffice has handled its pending events, on its main thread: handled from this thread, an
    event that opens a modal dialog (a menu item's posted select) would run the dialog here and block."""
    _on_main_thread(TOOLKIT.processEventsToIdle)


def _props(d):
    out = []
    for k, v in (d or {}).items():
        p = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        p.Name = k
        p.Value = v
        out.append(p)
    return tuple(out)


def dispatch(cmd, args=None):
    frame = _frame()
    _on_main_thread(lambda: DISPATCHER.executeDispatch(frame, cmd, "", 0, _props(args)))


def _node(label):
    ctx = LAST["nodes"].get(label)
    if ctx is None:
        raise LookupError("control label %s is not in the last observation" % label)
    return ctx


def _action_count(ctx):
    try:
        return ctx.getAccessibleActionCount()
    except Exception:  # the context does not implement XAccessibleAction
        return 0


def click(label, double=False):
    ctx = _node(label)
    role = ROLES.get(ctx.getAccessibleRole())
    if role == "PAGE_TAB" or _action_count(ctx) < 1:
        select_in_parent(ctx)
        return
    opens_dialog = ctx.getAccessibleName().endswith("...")
    before = len(_dialogs())
    _on_main_thread(lambda: _press(ctx, double))
    if before:
        _idle()
        if not _dialogs():
            _focus_document()
    if opens_dialog:  # most dialogs open from a posted event: wait (bounded) until it is up
        deadline = time.monotonic() + DIALOG_WAIT_S
        while len(_dialogs()) <= before and time.monotonic() < deadline:
            _idle()
            time.sleep(0.005)


def _press(ctx, double):
    ctx.doAccessibleAction(0)
    if double:
        _idle()
        ctx.doAccessibleAction(0)


def select_in_parent(ctx):
    """Tabs and list items have no (reliable) action: a click selects them in their parent. For a tab,
    the tab list's XAccessibleSelection switches the page in every tabbed dialog."""
    parent = ctx.getAccessibleParent().getAccessibleContext()
    index = ctx.getAccessibleIndexInParent()
    if not hasattr(parent, "selectAccessibleChild"):  # e.g. a spin field in a dialog: nothing to press
        role = ROLES.get(ctx.getAccessibleRole())
        hint = "; type into it with set_edit_text" if role in ("TEXT", "SPIN_BOX", "COMBO_BOX") else ""
        raise ValueError("%r (%s) cannot be clicked%s" % (ctx.getAccessibleName(), role, hint))
    parent.selectAccessibleChild(index)
    _idle()
    if ROLES.get(ctx.getAccessibleRole()) == "PAGE_TAB" and not parent.isAccessibleChildSelected(index):
        raise ValueError("the tab %r could not be selected" % ctx.getAccessibleName())


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
    ASYNC_CALLBACK.addCallback(call, None)
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
    ASYNC_CALLBACK.addCallback(call, None)
    call.done.wait()
    if call.error is not None:
        raise call.error
    return call.result


def set_text(label, text):
    ctx = _node(label)
    role = ROLES.get(ctx.getAccessibleRole())
    if role == "SPIN_BOX" and hasattr(ctx, "setCurrentValue"):
        number = _in_field_unit(text, ctx.getText() if hasattr(ctx, "getText") else "")
        if number is not None:
            value = uno.Any("long", int(number)) if number.is_integer() else uno.Any("double", number)
            if uno.invoke(ctx, "setCurrentValue", (value,)):
                return
    target = ctx
    if not hasattr(target, "setText"):
        target = None
        for i in range(min(ctx.getAccessibleChildCount(), 4)):
            child = ctx.getAccessibleChild(i)
            c = child.getAccessibleContext() if child is not None else None
            if c is not None and hasattr(c, "setText"):
                target = c
                break
    if target is None:
        raise ValueError("control %r has no editable text" % ctx.getAccessibleName())
    if not target.setText(text):
        raise ValueError("control %r refused the text" % ctx.getAccessibleName())


UNIT_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "inch": 2.54, '"': 2.54, "pt": 2.54 / 72, "pc": 2.54 / 6}
_QUANTITY = re.compile(r'^\s*([-+]?\d*[.,]?\d+)\s*(cm|mm|inch|in|"|pt|pc|%)?\s*$')


def _in_field_unit(text, current):
    """'12 pt' typed into a field showing '0.00 cm' -> 0.42 (the number the field takes); None if unparsable."""
    m = _QUANTITY.match(text)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    field = _QUANTITY.match(current or "")
    field_unit = field.group(2) if field else None
    if unit in UNIT_CM and field_unit in UNIT_CM and unit != field_unit:
        number = round(number * UNIT_CM[unit] / UNIT_CM[field_unit], 2)
    return number


def select_item(label, item):
    ctx = _node(label)
    role = ROLES.get(ctx.getAccessibleRole())
    lst = ctx
    if role == "COMBO_BOX":
        lst = None
        for i in range(min(ctx.getAccessibleChildCount(), 4)):
            child = ctx.getAccessibleChild(i)
            c = child.getAccessibleContext() if child is not None else None
            if c is not None and ROLES.get(c.getAccessibleRole()) == "LIST":
                lst = c
                break
    if lst is None:
        raise ValueError("control %r has no items" % ctx.getAccessibleName())
    names = _list_items(lst)
    if item not in names:
        lowered = [n.lower() for n in names]
        if item.lower() not in lowered:
            raise ValueError("no item %r in %r" % (item, ctx.getAccessibleName()))
        item = names[lowered.index(item.lower())]
    lst.selectAccessibleChild(names.index(item))
    return item


def _body_paragraphs(doc):
    return [el for el in _iter(doc.getText()) if el.supportsService("com.sun.star.text.Paragraph")]


def _body_tables(doc):
    return [el for el in _iter(doc.getText()) if el.supportsService("com.sun.star.text.TextTable")]


def select_text(text, occurrence):
    doc = _doc()
    desc = doc.createSearchDescriptor()
    desc.SearchString = text
    desc.SearchCaseSensitive = True
    found = doc.findAll(desc)
    if found.getCount() < occurrence:
        raise ValueError("text %r occurs %d time(s), not %d" % (text, found.getCount(), occurrence))
    doc.getCurrentController().select(found.getByIndex(occurrence - 1))


def _nth(items, number, what):
    if not 1 <= number <= len(items):
        raise ValueError("%s %d does not exist (the document has %d)" % (what, number, len(items)))
    return items[number - 1]


def select_paragraph(index):
    doc = _doc()
    para = _nth(_body_paragraphs(doc), index, "paragraph")
    cursor = doc.getText().createTextCursorByRange(para.getStart())
    cursor.gotoRange(para.getEnd(), True)
    doc.getCurrentController().select(cursor)


def select_table(number):
    doc = _doc()
    table = _nth(_body_tables(doc), number, "table")
    ctrl = doc.getCurrentController()
    ctrl.select(table.getCellByName("A1"))
    ctrl.getViewCursor().gotoRange(table.getCellByName("A1").getStart(), False)
    dispatch(".uno:SelectTable")


def insert_text(text):
    dispatch(".uno:InsertText", {"Text": text})


def wheel(dist):
    vc = _doc().getCurrentController().getViewCursor()
    lines = 3 * abs(dist)
    if dist > 0:  # positive = away from the user = up, as with a mouse wheel
        vc.goUp(lines, False)
    else:
        vc.goDown(lines, False)


def save(path_url=None, filter_name=None, store_as=False):
    """store() to the document's own file; with a URL: storeToURL (a copy) or storeAsURL (the document
    moves there, used for a new document's first save)."""
    doc = _doc()
    if not path_url:
        doc.store()
        return
    args = {"Overwrite": True}
    if filter_name:
        args["FilterName"] = filter_name
    (doc.storeAsURL if store_as else doc.storeToURL)(path_url, _props(args))


# Ops that act on the document; while a modal dialog is open a user cannot reach the document.
DOCUMENT_OPS = {"insert_text", "select_text", "select_paragraph", "select_table", "wheel", "para_style",
                "font_name", "font_size", "dispatch"}


def _press_default_button(dialog):
    w = Walker(in_dialog=True)
    w.walk(dialog, [])
    for c in w.controls:
        if c["type"] == "PUSH_BUTTON" and "DEFAULT" in c["states"]:
            node = w.nodes[c["label"]]
            _on_main_thread(lambda: node.doAccessibleAction(0))
            return
    raise ValueError("the dialog %r has no default button" % dialog.getAccessibleName())


def run_op(op):
    kind = op["op"]
    if kind in DOCUMENT_OPS:
        dialogs = _dialogs()
        if dialogs:
            if kind == "dispatch" and op["cmd"] == ".uno:InsertPara":  # Enter presses the default button
                _press_default_button(dialogs[-1])
                _idle()
                if not _dialogs():
                    _focus_document()
                return None
            raise ValueError("the dialog %r is open: use its controls, or {ESC} to cancel it"
                             % dialogs[-1].getAccessibleName())
    return _run(op, kind)


def _run(op, kind):
    if kind == "click":
        click(op["label"], op.get("double", False))
    elif kind == "set_text":
        set_text(op["label"], op["text"])
    elif kind == "select_item":
        return select_item(op["label"], op["item"])
    elif kind == "dispatch":
        dispatch(op["cmd"], op.get("args"))
    elif kind == "insert_text":
        insert_text(op["text"])
    elif kind == "select_text":
        select_text(op["text"], op.get("occurrence", 1))
    elif kind == "select_paragraph":
        select_paragraph(op["index"])
    elif kind == "select_table":
        select_table(op["number"])
    elif kind == "wheel":
        wheel(op["dist"])
    elif kind == "save":
        save(op.get("url"), op.get("filter"), op.get("store_as", False))
    elif kind == "escape":
        close_dialogs(1) if _dialogs() else close_menus()
    elif kind == "load":
        return load(op["url"], op.get("size"))
    elif kind == "para_style":
        apply_para_style(op["value"])
    elif kind == "font_name":
        if not op["value"].strip():
            raise ValueError("font name must not be empty")
        dispatch(".uno:CharFontName", {"CharFontName.FamilyName": op["value"].strip()})
    elif kind == "font_size":
        dispatch(".uno:FontHeight", {"FontHeight.Height": _points(op["value"])})
    else:
        raise ValueError("unknown op %r" % kind)
    return None


def _points(value):
    text = str(value).strip().lower().replace("pt", "").strip()
    try:
        size = float(text)
    except ValueError:
        raise ValueError("font size must be a number of points, got %r" % value)
    if not 1 <= size <= 999:
        raise ValueError("font size %s pt is out of range (1..999)" % text)
    return size


def apply_para_style(value):
    styles = _doc().getStyleFamilies().getByName("ParagraphStyles")
    wanted = value.strip().lower()
    for name in styles.getElementNames():
        s = styles.getByName(name)
        if wanted in (name.lower(), s.getPropertyValue("DisplayName").lower()):
            dispatch(".uno:StyleApply", {"Style": name, "FamilyName": "ParagraphStyles"})
            return
    raise ValueError("no paragraph style named %r" % value)


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
    desktop = XSCRIPTCONTEXT.getDesktop()  # noqa: F821
    baseline = STATE["baseline"]
    if baseline is not None:
        close_dialogs()
        close_menus()
        _restore_module_state(baseline)  # before the new view reads it
        CLIPBOARD.setContents(_EmptyTransferable(), None)  # the Paste button starts disabled, as after a start
    args = {"Hidden": True}
    if not url.startswith("private:"):
        args["AsTemplate"] = False
    doc = desktop.loadComponentFromURL(url, "_blank", 0, _props(args))
    if doc is None:
        raise ValueError("LibreOffice could not open %s" % url)
    _main_call(lambda: _show(doc.getCurrentController().getFrame(), size, baseline))


def _show(frame, size, baseline):
    """Make `frame` the only window, visible and active (on the main thread)."""
    window = frame.getContainerWindow()
    if size:
        window.setPosSize(0, 0, size[0], size[1], 15)
    window.setVisible(True)
    frame.activate()
    _idle()  # delivers the window-shown event: the toolbars show and start their state timers
    STATE["toolbars_ready"] = time.monotonic() + TOOLBAR_STATES_DELAY_S
    STATE["frame"] = frame
    frames = XSCRIPTCONTEXT.getDesktop().getFrames()  # noqa: F821
    for other in [frames.getByIndex(i) for i in range(frames.getCount())]:
        if other != frame:  # the last document, and windows the episode opened (a new document, the Basic IDE)
            _close_frame(other)
    if baseline is None:
        _set_command_states(frame, CLOSED_AT_START)
        STATE["windows_changed"] = _ChangeFlag(WINDOW_STATES)
        STATE["baseline"] = _capture_ui(frame)
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


# ------------------------------------------------------------------ global UI state
# soffice keeps some UI state per application, not per document: toolbar visibility (window states), the
# Writer view options (formatting marks, rulers, zoom, field shadings, ...), side windows (sidebar,
# navigator, ...), the tab and options each dialog reopens with, and the clipboard. load() records them
# after the first load and puts them back before each later one.

MODULE = "com.sun.star.text.TextDocument"
WINDOW_STATES = "/org.openoffice.Office.UI.WriterWindowState/UIElements/States"  # where MODULE's are stored
# Commands whose checked state is a side window or an application-wide mode a user can toggle.
STATE_COMMANDS = (".uno:Sidebar", ".uno:Navigator", ".uno:Gallery", ".uno:SearchDialog", ".uno:SpellOnline",
                  ".uno:ViewDataSourceBrowser", ".uno:FullScreen")
VIEWS = "/org.openoffice.Office.Views"
VIEW_SETS = ("Dialogs", "TabDialogs", "TabPages", "Windows")
# The sidebar opens with the first document; the agent starts without it (it doubles the cost of opening a
# document and floods the control list; a user can still open it from the View menu).
CLOSED_AT_START = {".uno:Sidebar": False}


def _global_view_settings():
    return SMGR.createInstanceWithContext("com.sun.star.text.GlobalSettings", CTX).ViewSettings


def _window_states():
    wsc = SMGR.createInstanceWithContext("com.sun.star.ui.WindowStateConfiguration", CTX)
    return wsc.getByName(MODULE)


def _capture_ui(frame):
    view = _global_view_settings()
    names = [p.Name for p in view.getPropertySetInfo().getProperties()]
    states = _window_states()
    views = _config(VIEWS)
    return {
        "view": dict(zip(names, view.getPropertyValues(names))),
        "windows": {n: states.getByName(n) for n in states.getElementNames()},
        "views": {s: _plain_entries(views.getByName(s)) for s in VIEW_SETS},
        "commands": {cmd: _command_state(frame, cmd) for cmd in STATE_COMMANDS},
    }


def _config(path):
    arg = uno.createUnoStruct("com.sun.star.beans.NamedValue")
    arg.Name, arg.Value = "nodepath", path
    provider = SMGR.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", CTX)
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
    for set_name in VIEW_SETS:
        entries, wanted = views.getByName(set_name), baseline[set_name]
        for name in entries.getElementNames():
            if name not in wanted:
                entries.removeByName(name)
                changed = True
                continue
            node = entries.getByName(name)
            for key, value in wanted[name].items():
                if node.getPropertyValue(key) != value:
                    node.setPropertyValue(key, value)
                    changed = True
    if changed:
        views.commitChanges()


def _restore_module_state(baseline):
    """Writer's module view options, the toolbars' window states and the dialogs' memory, as recorded in
    `baseline`."""
    view = _global_view_settings()
    names = list(baseline["view"])
    changed = [(n, v) for n, v in zip(names, view.getPropertyValues(names)) if v != baseline["view"][n]]
    if changed:
        view.setPropertyValues(tuple(n for n, _ in changed), tuple(baseline["view"][n] for n, _ in changed))
    if STATE["windows_changed"].changed:  # comparing them costs ~8 ms; episodes rarely touch toolbars
        STATE["windows_changed"].changed = False  # first: a change made from now on (ours too) is seen next time
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
    return URL_TRANSFORMER.parseStrict(url)[1]


def _command_state(frame, cmd):
    """The checked state of a toggle command in `frame` (what its menu item shows), None if unavailable."""
    url = _url(cmd)
    dispatch = frame.queryDispatch(url, "", 0)
    if dispatch is None:
        return None
    listener = _StateListener()
    dispatch.addStatusListener(listener, url)  # answers with the current state at once
    dispatch.removeStatusListener(listener, url)
    return listener.state if isinstance(listener.state, bool) else None


def _set_command_states(frame, wanted):
    for cmd, state in wanted.items():
        if state is not None and _command_state(frame, cmd) not in (state, None):
            DISPATCHER.executeDispatch(frame, cmd, "", 0, ())


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


def observe(with_canvas=True):
    """Canvas and controls, each read on the main thread; the canvas first, while a new window's toolbars
    may still be waiting to show their states."""
    out = {"canvas": _main_call(canvas)} if with_canvas else {}
    _await_toolbar_states()
    out.update(_main_call(_controls))
    return out


def _controls():
    w, dialog = observe_controls()
    LAST["nodes"] = w.nodes
    return {"controls": w.controls, "dialog": dialog, "window": _frame().getTitle()}


def _await_toolbar_states():
    """Sleep (not on the main thread, which runs the toolbars' timers) until a new window's toolbars show
    their buttons' real states, then let the main thread apply them."""
    remaining = STATE["toolbars_ready"] - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
        _idle()


def lam_call(request_json):
    """One request: {"ops": [...], "observe": bool, "canvas": bool}; each op is followed by an idle-wait."""
    req = json.loads(request_json)
    t0 = time.perf_counter()
    resp = {"ok": True, "results": []}
    try:
        for op in req.get("ops", []):
            resp["results"].append(run_op(op))
            _idle()
        if req.get("observe"):
            resp["observation"] = observe(req.get("canvas", True))
        elif req.get("canvas"):
            resp["canvas"] = canvas()
    except Exception as e:
        _idle()
        resp = {"ok": False, "error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}
    resp["ms"] = (time.perf_counter() - t0) * 1000
    return json.dumps(resp)


g_exportedScripts = (lam_call,)


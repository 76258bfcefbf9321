"""Sensitive actions common to every LibreOffice application (matched on "path > name": a dialog's own Close
button is harmless, File > Close is not)."""

from lamfactory.core.safety import Rule

RULES: tuple[Rule, ...] = (
    Rule("close without saving",
         control=r"(^|> )file > (close|exit|quit)|(^|> )(close document|close window|exit libreoffice|quit|"
                 r"don'?t save|discard)$",
         keys=r"\^[wq]|%\{?f4\}?|\^\{?f4\}?"),
    Rule("print", control=r"\bprint\b(?! preview)", keys=r"\^p\b|\^\+p"),
    Rule("send or e-mail", control=r"\b(e-?mail|mail merge|outlook)\b|\bsend\b(?! (to back|backward))"),
    Rule("macros", control=r"\b(macros?|basic ide|libreoffice basic|scripts?)\b", keys=r"%\{?f11\}?"),
)

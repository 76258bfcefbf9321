"""The natural-request Calc suite: workbooks written by hand (not the families' templates) and user-worded
requests, each with an independent openpyxl check and a hand solution (benchmarks/natural_calc_suite.py)."""

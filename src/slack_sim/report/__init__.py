"""Stage 6, *report*: comparisons of scenarios, exports (CSV, Excel) and text formatting."""

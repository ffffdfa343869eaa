"""The HTML report about an export: the page, its charts and the highlighted articles."""

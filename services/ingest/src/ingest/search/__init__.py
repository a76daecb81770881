"""Order search: one query box over global ID, channel order number, phone last 4 and product
words, across every channel (ISSUE 3, "find any order in seconds")."""

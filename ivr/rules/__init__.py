"""The line's rules, read from files an administrator edits: opening hours, field offices, place names.

Pure: nothing here imports Flask, the database or the clock; `now` is always an argument.

`hours`, `field_offices` and `places` answer questions; `hours_file`, `offices_file` and
`place_names_file` read and check the files and build them, and are imported only when a file is read
(`Schedule.load`, `FieldOffices.load`, `PlaceNames.load`), so that the readers can import the rules
without a cycle. `data_files` holds what the readers share: errors that name the file, the line and the fix.
"""

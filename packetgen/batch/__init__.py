"""Many appointments at once: the run (`run`), its worker processes (`pool`) and the manifest
that says what became of every record (`manifest`)."""

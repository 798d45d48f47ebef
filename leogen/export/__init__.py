"""The export stage: the identified animals in the files of the field's other tools."""

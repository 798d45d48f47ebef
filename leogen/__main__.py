from leogen.cli import run

run()

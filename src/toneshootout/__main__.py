"""`python -m toneshootout` runs the command line."""

from toneshootout.cli import main

main()

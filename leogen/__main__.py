import sys

from leogen.cli import main

sys.exit(main())

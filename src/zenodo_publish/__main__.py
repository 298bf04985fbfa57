import sys

from zenodo_publish.cli import main

sys.exit(main())

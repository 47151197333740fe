#!/usr/bin/env python
"""Django's manage.py, for tools that expect one; `concord` is the same thing."""

from concord.cli import main

if __name__ == "__main__":
    main()

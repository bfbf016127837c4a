#!/usr/bin/env python
"""Start with: python manage.py runserver 8000 (docs/integrations/django.md)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voorbeeld.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

"""``python -m ehkit`` runs the same command line as the ``ehkit`` script.

Useful where the console script is not on PATH (a venv that is not activated,
a container that only has the interpreter).
"""

from ehkit.cli.main import main

if __name__ == "__main__":
    main()

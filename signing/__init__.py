"""PDF signatures over pyHanko (plain Python, no Flask). Built in a later issue."""

"""``ehkit demo``: the broker simulator and a sample DV portal, wired together.

The portal ("Gemeente Voorbeeldstad") uses ``ehkit.sp`` exactly as a user's
application would, through the public API only, so it doubles as a worked
integration example.
"""

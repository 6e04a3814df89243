"""TONE3000 on the command line: device sign-in, tokens in a file, models for `render`.

The engine never hears of TONE3000: `render` swaps each TONE3000 reference in a spec for a
downloaded, validated file before the engine reads the spec.
"""

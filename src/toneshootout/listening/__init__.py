"""Listening tests as a library: the statistics, the blind designs and the blind audio.

Pure functions over numbers and files (numpy, scipy, soundfile only): no web, database or
queue code, so the server's share and listening features call them and tests check them in
isolation. `stats` turns answers into p-values, plain-words sentences and Bradley–Terry
strengths; `design` draws a listener's letters, rounds and ABX answer key from a stored seed;
`blind_audio` makes the WAV a listener hears, identical in size and header for every chain of
one DI so that nothing but the sound tells the chains apart.
"""

"""The A/B montage as an MP4 a shootout maker uploads as it is: labelled, chaptered, exact audio.

`labels` says what is on screen in words, `layout` where, `drawing` draws each still part once
(Pillow), `frames` composites the moving parts per frame in YUV, `encode` muxes H.264 + AAC and
the chapters with PyAV, and `write` ties them to a render's outputs.
"""

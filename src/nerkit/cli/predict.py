"""`nerkit predict`. (Being written.)"""

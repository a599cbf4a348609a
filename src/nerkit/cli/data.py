"""`nerkit data`. (Being written.)"""

"""`nerkit train`. (Being written.)"""

"""`nerkit evaluate`. (Being written.)"""

"""`nerkit tokenize`. (Being written.)"""

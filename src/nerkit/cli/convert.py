"""`nerkit convert`. (Being written.)"""

"""Greedy averaged-perceptron BILUO tagger. (Being written.)"""

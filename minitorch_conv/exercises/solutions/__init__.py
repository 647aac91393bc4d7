"""Worked solutions of the exercises, one module per exercise, named as the exercise.

Try the exercise first: ``python -m minitorch_conv.exercises start NAME`` gives you the stub, and
``check NAME`` tells you what is wrong with your attempt. These are tested (each passes its own
check), so that the exercises and their checks cannot drift apart.
"""

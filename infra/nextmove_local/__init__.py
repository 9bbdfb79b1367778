"""The embedded default: NextMove on one machine, with moto as AWS.

template.py reads template.yaml; stack.py creates its resources on moto's threaded
server and runs the functions in-process where AWS would invoke them, with the events
lambda_events.py shapes; cli.py is the ``nextmove`` command (replay, serve, send,
redrive, schemas); calls.py counts the AWS calls functions make; bench/ is ``make
bench``.
"""

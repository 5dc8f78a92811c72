"""The course's app answering its first request in a fresh interpreter: import predict.py (Flask,
scikit-learn, the pickled model read from lin_reg.bin in the working directory), POST the ride
through Flask's own test client, print the reply as one JSON line. The benchmark times spawn →
that line, as it times a fresh node importing our Lambda handler and answering its first event.

    cd <dir with lin_reg.bin> && python3 first-request.py '<ride json>'
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import predict  # noqa: E402  (the app, as gunicorn would import it)

reply = predict.app.test_client().post('/predict', json=json.loads(sys.argv[1]))
print(json.dumps({'status': reply.status_code, 'body': reply.get_json()}), flush=True)

"""A client of the three protocols, written only from their specifications, as their users write one.

    python3 spec_client.py <base URL> <model,model,...> <rides.json> [bearer token]

- the course's API: POST /predict/<name> with the rides as records;
- Open Inference Protocol v2 (kserve/open-inference-protocol, inference_rest.md): GET /v2,
  /v2/health/live, /v2/health/ready, per model GET /v2/models/<name> and .../ready, then
  POST /v2/models/<name>/infer with one input tensor per column, each built from the model's
  metadata (its name, datatype) and the data frame's column;
- MLflow's scoring protocol (`mlflow models serve`): POST /invocations with each JSON input format
  made by pandas' DataFrame.to_dict(orient=...) and with DataFrame.to_csv(); GET /ping, /version.

Prints one JSON object: every reply's status and what the test compares. Needs Debian's
python3-requests and python3-pandas (apt-get install -y python3-requests python3-pandas).
"""
import json
import sys

import pandas as pd
import requests


def main():
    base, names, rides_file = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
    session = requests.Session()
    if len(sys.argv) > 4:
        session.headers["Authorization"] = "Bearer " + sys.argv[4]
    with open(rides_file, encoding="utf-8") as f:
        frame = pd.DataFrame(json.load(f))
    print(json.dumps({"predict": course(session, base, names, frame), "oip": oip(session, base, names, frame), "mlflow": mlflow(session, base, frame)}))


def course(session, base, names, frame):
    out = {}
    for name in names:
        reply = session.post(f"{base}/predict/{name}", json=frame.to_dict(orient="records"))
        reply.raise_for_status()
        out[name] = [row[name] for row in reply.json()]
    return out


def oip(session, base, names, frame):
    out = {
        "server": session.get(f"{base}/v2").json(),
        "live": session.get(f"{base}/v2/health/live").status_code,
        "ready": session.get(f"{base}/v2/health/ready").status_code,
        "models": {},
    }
    for name in names:
        metadata = session.get(f"{base}/v2/models/{name}").json()
        version = metadata["versions"][0]
        inputs = [
            {"name": tensor["name"], "shape": [len(frame)], "datatype": tensor["datatype"], "data": frame[tensor["name"]].tolist()}
            for tensor in metadata["inputs"]
        ]
        request = {"id": f"client-{name}", "inputs": inputs, "outputs": [{"name": tensor["name"]} for tensor in metadata["outputs"]]}
        reply = session.post(f"{base}/v2/models/{name}/versions/{version}/infer", json=request)
        reply.raise_for_status()
        body = reply.json()
        out["models"][name] = {
            "metadata": metadata,
            "ready": session.get(f"{base}/v2/models/{name}/ready").status_code,
            "request": request,
            "response": body,
            "data": body["outputs"][0]["data"],
            # the same inputs, unversioned path, shapes [n, 1] with nested data
            "data_n1": session.post(
                f"{base}/v2/models/{name}/infer",
                json={"inputs": [dict(tensor, shape=[len(frame), 1], data=[[v] for v in tensor["data"]]) for tensor in inputs]},
            ).json()["outputs"][0]["data"],
        }
    return out


def mlflow(session, base, frame):
    payloads = {
        "dataframe_split": {"dataframe_split": frame.to_dict(orient="split")},
        "dataframe_records": {"dataframe_records": frame.to_dict(orient="records")},
        "inputs": {"inputs": frame.to_dict(orient="list")},
        "instances": {"instances": frame.to_dict(orient="records")},
    }
    out = {}
    for key, payload in payloads.items():
        reply = session.post(f"{base}/invocations", json=payload)
        reply.raise_for_status()
        out[key] = reply.json()["predictions"]
    reply = session.post(f"{base}/invocations", data=frame.to_csv().encode("utf-8"), headers={"Content-Type": "text/csv"})
    reply.raise_for_status()
    out["csv"] = reply.json()["predictions"]
    out["ping"] = session.get(f"{base}/ping").status_code
    version = session.get(f"{base}/version")
    out["version"] = {"status": version.status_code, "text": version.text}
    return out


if __name__ == "__main__":
    main()

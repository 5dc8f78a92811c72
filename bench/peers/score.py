"""The course's batch scorer (mlops-zoomcamp 04-deployment/batch/score.py) without Prefect and
MLflow: read a month of trips, keep 1-60 minute rides, build PU_DO dicts, predict with the
pickled (DictVectorizer, LinearRegression), write ride_id + prediction rows.

Debian ships no pyarrow, so it reads and writes CSV unless pyarrow is importable, in which
case .parquet paths are read and written as parquet. Prints one JSON line: rows in, rows
scored, seconds, peak RSS.

    python3 score.py trips.csv lin_reg.bin predictions.csv [run_id]
"""
import json
import pickle
import resource
import sys
import time
import uuid

import pandas as pd


def generate_uuids(n):
    ride_ids = []
    for i in range(n):
        ride_ids.append(str(uuid.uuid4()))
    return ride_ids


def read_dataframe(filename):
    if filename.endswith('.parquet'):
        df = pd.read_parquet(filename)
    else:
        df = pd.read_csv(filename, parse_dates=['lpep_pickup_datetime', 'lpep_dropoff_datetime'])
    rows_in = len(df)
    df['duration'] = df.lpep_dropoff_datetime - df.lpep_pickup_datetime
    df.duration = df.duration.dt.total_seconds() / 60
    df = df[(df.duration >= 1) & (df.duration <= 60)]
    # The course drops nothing else; a null zone or distance would crash its model, so the
    # rows the TLC files leave empty are dropped here, as ours skips them.
    df = df.dropna(subset=['PULocationID', 'DOLocationID', 'trip_distance']).copy()
    df['ride_id'] = generate_uuids(len(df))
    return df, rows_in


def prepare_dictionaries(df):
    categorical = ['PULocationID', 'DOLocationID']
    df[categorical] = df[categorical].astype(int).astype(str)
    df['PU_DO'] = df['PULocationID'] + '_' + df['DOLocationID']
    categorical = ['PU_DO']
    numerical = ['trip_distance']
    dicts = df[categorical + numerical].to_dict(orient='records')
    return dicts


def save_results(df, y_pred, run_id, output_file):
    df_result = pd.DataFrame()
    df_result['ride_id'] = df['ride_id']
    df_result['lpep_pickup_datetime'] = df['lpep_pickup_datetime']
    df_result['PULocationID'] = df['PULocationID']
    df_result['DOLocationID'] = df['DOLocationID']
    df_result['actual_duration'] = df['duration']
    df_result['predicted_duration'] = y_pred
    df_result['diff'] = df_result['actual_duration'] - df_result['predicted_duration']
    df_result['model_version'] = run_id
    if output_file.endswith('.parquet'):
        df_result.to_parquet(output_file, index=False)
    else:
        df_result.to_csv(output_file, index=False)


def apply_model(input_file, model_file, output_file, run_id):
    df, rows_in = read_dataframe(input_file)
    dicts = prepare_dictionaries(df)
    with open(model_file, 'rb') as f_in:
        (dv, model) = pickle.load(f_in)
    y_pred = model.predict(dv.transform(dicts))
    save_results(df, y_pred, run_id, output_file)
    return rows_in, len(df)


def main():
    input_file, model_file, output_file = sys.argv[1:4]
    run_id = sys.argv[4] if len(sys.argv) > 4 else 'peer'
    started = time.perf_counter()
    rows_in, rows_scored = apply_model(input_file, model_file, output_file, run_id)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({'rows_in': rows_in, 'rows_scored': rows_scored, 'seconds': seconds, 'peak_rss_bytes': peak_kb * 1024}))


if __name__ == '__main__':
    main()

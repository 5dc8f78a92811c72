#!/usr/bin/env python3
"""The course's batch scoring (mlops-zoomcamp 04-deployment/batch/score.py), for comparison.

  batch_pandas.py train <train.csv> <model.pkl>       DictVectorizer + LinearRegression on PU_DO + trip_distance
  batch_pandas.py score <model.pkl> <in.csv> <out.csv> <YYYY> <MM>

pandas reads CSV here (Debian's python3-pandas has no parquet engine); timing covers read,
filter, predict and write, like the Node batch job.
"""
import pickle
import sys
import time

import pandas as pd
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline


def read_dataframe(filename):
    df = pd.read_csv(filename)
    pickup = 'lpep_pickup_datetime' if 'lpep_pickup_datetime' in df.columns else 'tpep_pickup_datetime'
    dropoff = pickup.replace('pickup', 'dropoff')
    df[pickup] = pd.to_datetime(df[pickup])
    df[dropoff] = pd.to_datetime(df[dropoff])
    df['duration'] = (df[dropoff] - df[pickup]).dt.total_seconds() / 60
    df = df[(df.duration >= 1) & (df.duration <= 60)]
    df = df.dropna(subset=['PULocationID', 'DOLocationID', 'trip_distance'])
    df['PU_DO'] = df['PULocationID'].astype(int).astype(str) + '_' + df['DOLocationID'].astype(int).astype(str)
    return df, pickup


def prepare_dictionaries(df):
    return df[['PU_DO', 'trip_distance']].to_dict(orient='records')


def train(train_csv, model_path):
    df, _ = read_dataframe(train_csv)
    pipeline = make_pipeline(DictVectorizer(), LinearRegression())
    pipeline.fit(prepare_dictionaries(df), df.duration.values)
    with open(model_path, 'wb') as f:
        pickle.dump(pipeline, f)


def score(model_path, input_csv, output_csv, year, month):
    started = time.perf_counter()
    with open(model_path, 'rb') as f:
        model = pickle.load(f)
    df, pickup = read_dataframe(input_csv)
    rows_kept = len(df)
    y_pred = model.predict(prepare_dictionaries(df))
    df_result = pd.DataFrame()
    df_result['ride_id'] = f'{year:04d}/{month:02d}_' + df.index.astype('str')
    df_result[pickup] = df[pickup]
    df_result['PULocationID'] = df['PULocationID']
    df_result['DOLocationID'] = df['DOLocationID']
    df_result['actual_duration'] = df['duration']
    df_result['predicted_duration'] = y_pred
    df_result['diff'] = df_result['actual_duration'] - df_result['predicted_duration']
    df_result['model_version'] = 'sklearn'
    df_result.to_csv(output_csv, index=False)
    seconds = time.perf_counter() - started
    print(f'{{"rows_kept": {rows_kept}, "seconds": {seconds:.3f}}}')


if __name__ == '__main__':
    if sys.argv[1] == 'train':
        train(sys.argv[2], sys.argv[3])
    else:
        score(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))

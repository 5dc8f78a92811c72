"""The course's model, trained on the same generated rows as ours.

Reads the CSV written by export-trips.ts (synthetic green taxi 2021-01), applies the course's
1-60 minute filter, fits DictVectorizer + LinearRegression and pickles (dv, model) to
lin_reg.bin, as the course's notebook does. With --probes, also writes the in-process
predictions for those rides, so the benchmark can check the web service returns them.

    python3 train.py trips.csv lin_reg.bin [--probes probes.json --expected expected.json]
"""
import argparse
import json
import pickle

import pandas as pd
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LinearRegression


def read_dataframe(filename):
    df = pd.read_csv(filename, parse_dates=['lpep_pickup_datetime', 'lpep_dropoff_datetime'])
    df['duration'] = df.lpep_dropoff_datetime - df.lpep_pickup_datetime
    df.duration = df.duration.dt.total_seconds() / 60
    df = df[(df.duration >= 1) & (df.duration <= 60)].copy()
    categorical = ['PULocationID', 'DOLocationID']
    df[categorical] = df[categorical].astype(int).astype(str)
    return df


def prepare_dicts(df):
    df['PU_DO'] = df['PULocationID'] + '_' + df['DOLocationID']
    return df[['PU_DO', 'trip_distance']].to_dict(orient='records')


def prepare_features(ride):
    return {'PU_DO': '%s_%s' % (ride['PULocationID'], ride['DOLocationID']), 'trip_distance': ride['trip_distance']}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('trips_csv')
    parser.add_argument('model_out')
    parser.add_argument('--probes')
    parser.add_argument('--expected')
    args = parser.parse_args()

    df = read_dataframe(args.trips_csv)
    dv = DictVectorizer()
    X = dv.fit_transform(prepare_dicts(df))
    model = LinearRegression()
    model.fit(X, df.duration.values)
    with open(args.model_out, 'wb') as f_out:
        pickle.dump((dv, model), f_out)

    summary = {'rows': int(len(df)), 'features': int(X.shape[1])}
    if args.probes:
        with open(args.probes) as f_in:
            rides = json.load(f_in)
        preds = model.predict(dv.transform([prepare_features(r) for r in rides]))
        with open(args.expected, 'w') as f_out:
            json.dump([float(p) for p in preds], f_out)
    print(json.dumps(summary))


if __name__ == '__main__':
    main()

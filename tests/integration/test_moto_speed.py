"""The local stack's speed-ups to moto (infra/nextmove_local/moto_speed.py) change no
answer: every kind of attribute value comes back from every read as it was written."""

from __future__ import annotations

ITEM = {
    "pk": {"S": "t#p-types"},
    "sk": {"S": "STATE"},
    "s": {"S": "naïve café ✓"},
    "empty": {"S": ""},
    "n": {"N": "-12.5"},
    "b": {"B": b"\x00\xffbinary\x80"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02\x03"]},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "null": {"NULL": True},
    "m": {"M": {"inner": {"B": b"\x7f"}, "deep": {"M": {"l": {"L": [{"N": "1"}]}}}}},
    "l": {"L": [{"S": "x"}, {"B": b"\x10"}, {"M": {}}, {"L": []}, {"BOOL": False}]},
}
KEY = {"pk": ITEM["pk"], "sk": ITEM["sk"]}


def test_every_attribute_type_reads_back_as_written(stack):
    dynamodb = stack.client("dynamodb")
    table = stack.resolve.refs["CareerTable"]
    dynamodb.put_item(TableName=table, Item=ITEM)

    got = dynamodb.get_item(TableName=table, Key=KEY, ConsistentRead=True)["Item"]
    batch = dynamodb.batch_get_item(RequestItems={table: {"Keys": [KEY]}})["Responses"][table]
    query = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": ITEM["pk"]},
    )["Items"]
    assert got == ITEM
    assert batch == [ITEM]
    assert query == [ITEM]

    streams = stack.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    images = [
        r["dynamodb"]["NewImage"] for r in streams.get_records(ShardIterator=iterator)["Records"]
    ]
    assert images == [ITEM]


def test_a_refused_condition_still_answers_with_the_old_item(stack):
    dynamodb = stack.client("dynamodb")
    table = stack.resolve.refs["CareerTable"]
    dynamodb.put_item(TableName=table, Item=ITEM)
    try:
        dynamodb.put_item(
            TableName=table,
            Item=KEY,
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException as error:
        assert error.response["Item"] == ITEM
    else:
        raise AssertionError("the condition should have refused the write")


def test_a_cancelled_transaction_leaves_every_item_and_the_stream_as_they_were(stack):
    dynamodb = stack.client("dynamodb")
    table = stack.resolve.refs["CareerTable"]
    other = {"pk": ITEM["pk"], "sk": {"S": "OTHER"}, "count": {"N": "1"}, "ss": {"SS": ["a"]}}
    dynamodb.put_item(TableName=table, Item=ITEM)
    dynamodb.put_item(TableName=table, Item=other)
    before = dynamodb.scan(TableName=table)["Items"]
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = stack.client("dynamodbstreams").describe_stream(StreamArn=arn)
    records_before = _stream_records(stack, arn, shard)

    try:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**ITEM, "n": {"N": "99"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": other["pk"], "sk": other["sk"]},
                        "UpdateExpression": "SET #c = #c + :one ADD ss :b",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":b": {"SS": ["b"]}},
                    }
                },
                {"Delete": {"TableName": table, "Key": {"pk": ITEM["pk"], "sk": {"S": "NEW"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": ITEM["pk"], "sk": {"S": "MISSING"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    except dynamodb.exceptions.TransactionCanceledException:
        pass
    else:
        raise AssertionError("the condition check should have cancelled the transaction")

    assert dynamodb.scan(TableName=table)["Items"] == before
    assert _stream_records(stack, arn, shard) == records_before


def _stream_records(stack, arn, shard):
    streams = stack.client("dynamodbstreams")
    shard_id = shard["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [
        r["dynamodb"]["SequenceNumber"]
        for r in streams.get_records(ShardIterator=iterator)["Records"]
    ]

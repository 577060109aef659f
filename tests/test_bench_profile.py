"""bench.profile's reading of py-spy's raw samples: only the samples taken inside a request, without the waits for
PostgreSQL or the start-up, each function counted once a sample however deep it recurses."""
from bench.profile import shares

RAW = [
    "<module> (bench/profile.py:9);loop (bench/profile.py:40);Client.get (django/test/client.py:1113);"
    "APIView.dispatch (rest_framework/views.py:491);represent (riskcase/api/serializers.py:150);"
    "ReadFastSerializer.to_representation (riskcase/api/serializers.py:123);"
    "ReadFastSerializer.to_representation (riskcase/api/serializers.py:130) 30\n",
    "<module> (bench/profile.py:9);loop (bench/profile.py:40);Client.get (django/test/client.py:1113);"
    "APIView.dispatch (rest_framework/views.py:491);together (riskcase/lib/precompiled.py:300) 10\n",
    "<module> (bench/profile.py:9);loop (bench/profile.py:40);Client.get (django/test/client.py:1113);"
    "together (riskcase/lib/precompiled.py:300);wait (psycopg/connection.py:479) 50\n",
    "<module> (bench/profile.py:9);loop (bench/profile.py:30);_find_and_load (<frozen importlib._bootstrap>:1) 7\n",
    "<module> (bench/profile.py:9);loop (bench/profile.py:33);setup (django/__init__.py:8) 5\n",
]


def test_only_the_requests_python_is_counted_each_function_once_a_sample():
    total, inclusive, innermost = shares(RAW)
    assert total == 40
    assert inclusive["APIView.dispatch (rest_framework/views.py)"] == 40
    assert inclusive["ReadFastSerializer.to_representation (riskcase/api/serializers.py)"] == 30  # not 60
    assert inclusive["together (riskcase/lib/precompiled.py)"] == 10  # its wait for PostgreSQL left out
    assert "Client.get (django/test/client.py)" not in inclusive and "loop (bench/profile.py)" not in inclusive
    assert innermost == {"ReadFastSerializer.to_representation (riskcase/api/serializers.py)": 30,
                         "together (riskcase/lib/precompiled.py)": 10}

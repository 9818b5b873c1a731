"""The edges to AWS services other than DynamoDB; clients are created lazily and cached."""

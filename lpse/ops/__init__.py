"""What the operators' tools read: /health for the load balancer, /metrics for Prometheus."""

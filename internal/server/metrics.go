package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the Prometheus series the server exports at /metrics.
type metrics struct {
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// newMetrics registers the server's series, plus the Go runtime and process
// collectors, on reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "starling_requests_total",
			Help: "API requests served, by service, operation and HTTP status.",
		}, []string{"service", "operation", "status"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "starling_request_errors_total",
			Help: "API requests that ended in an error, by service, operation and error code.",
		}, []string{"service", "operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "starling_request_duration_seconds",
			Help:    "Time to serve an API request, by service and operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"service", "operation"}),
	}
	reg.MustRegister(m.requests, m.errors, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(rec *record, d time.Duration) {
	status := statusText(rec.status)
	m.requests.WithLabelValues(rec.service, rec.operation, status).Inc()
	m.latency.WithLabelValues(rec.service, rec.operation).Observe(d.Seconds())
	if rec.errCode != "" {
		m.errors.WithLabelValues(rec.service, rec.operation, rec.errCode).Inc()
	}
}

/**
 * The Application Insights attributes the exporter reads on a log record to make it a custom
 * event (`customEvents`): the event's name, and its measurements as a JSON object of numbers.
 * Checked against `@azure/monitor-opentelemetry-exporter` (the exporter `applicationinsights` 3.x uses).
 */
export const AI_CUSTOM_EVENT_NAME = 'microsoft.custom_event.name';
export const AI_CUSTOM_MEASUREMENTS = 'microsoft.custom_measurements';

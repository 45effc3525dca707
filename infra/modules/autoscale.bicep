// The CPU autoscale profile shared by the endpoint deployment and the App Service plan: one
// instance more above 70% over 5 minutes, one fewer below 25% over 10 minutes, with cool-downs
// so a burst does not flap the instance count.

@export()
@description('An autoscale profile on a CPU metric between a floor and a ceiling of instances.')
func cpuProfile(metricName string, resourceUri string, minimum int, maximum int) object => {
  name: 'cpu'
  capacity: { minimum: string(minimum), maximum: string(max(minimum, maximum)), default: string(minimum) }
  rules: [
    {
      metricTrigger: {
        metricName: metricName
        metricResourceUri: resourceUri
        timeGrain: 'PT1M'
        statistic: 'Average'
        timeWindow: 'PT5M'
        timeAggregation: 'Average'
        operator: 'GreaterThan'
        threshold: 70
      }
      scaleAction: { direction: 'Increase', type: 'ChangeCount', value: '1', cooldown: 'PT5M' }
    }
    {
      metricTrigger: {
        metricName: metricName
        metricResourceUri: resourceUri
        timeGrain: 'PT1M'
        statistic: 'Average'
        timeWindow: 'PT10M'
        timeAggregation: 'Average'
        operator: 'LessThan'
        threshold: 25
      }
      scaleAction: { direction: 'Decrease', type: 'ChangeCount', value: '1', cooldown: 'PT10M' }
    }
  ]
}

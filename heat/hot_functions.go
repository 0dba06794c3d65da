package heat

import "strings"

// HOT template versions that Heat 19 (Zed) accepts, with the date each
// name stands for. Heat has no version names after wallaby: "xena", "yoga"
// or "zed" are not template versions.
var hotVersions = map[string]string{
	"2013-05-23": "2013-05-23",
	"2014-10-16": "2014-10-16",
	"2015-04-30": "2015-04-30",
	"2015-10-15": "2015-10-15",
	"2016-04-08": "2016-04-08",
	"2016-10-14": "2016-10-14",
	"newton":     "2016-10-14",
	"2017-02-24": "2017-02-24",
	"ocata":      "2017-02-24",
	"2017-09-01": "2017-09-01",
	"pike":       "2017-09-01",
	"2018-03-02": "2018-03-02",
	"queens":     "2018-03-02",
	"2018-08-31": "2018-08-31",
	"rocky":      "2018-08-31",
	"2021-04-16": "2021-04-16",
	"wallaby":    "2021-04-16",
}

// HOTVersions lists the heat_template_version values Check accepts (those of
// Heat 19, Zed), dates and release names.
func HOTVersions() []string {
	out := make([]string, 0, len(hotVersions))
	for v := range hotVersions {
		out = append(out, v)
	}
	sortStrings(out)
	return out
}

// hotFunctions maps each HOT intrinsic function to the first template
// version (as a date) that has it, as in Heat 19's heat/engine/hot/template.py.
// equals, not, and and or are condition functions only: Heat evaluates them
// in conditions (and if's first argument) and reads them as plain data
// elsewhere.
var hotFunctions = map[string]string{
	"get_attr":            "2013-05-23",
	"get_file":            "2013-05-23",
	"get_param":           "2013-05-23",
	"get_resource":        "2013-05-23",
	"list_join":           "2013-05-23",
	"resource_facade":     "2013-05-23",
	"str_replace":         "2013-05-23",
	"digest":              "2015-04-30",
	"repeat":              "2015-04-30",
	"str_split":           "2015-10-15",
	"map_merge":           "2016-04-08",
	"yaql":                "2016-10-14",
	"if":                  "2016-10-14",
	"equals":              "2016-10-14",
	"not":                 "2016-10-14",
	"and":                 "2016-10-14",
	"or":                  "2016-10-14",
	"map_replace":         "2016-10-14",
	"str_replace_strict":  "2017-02-24",
	"filter":              "2017-02-24",
	"make_url":            "2017-09-01",
	"list_concat":         "2017-09-01",
	"list_concat_unique":  "2017-09-01",
	"contains":            "2017-09-01",
	"str_replace_vstrict": "2017-09-01",
}

// conditionFunctions may appear in the conditions section, a resource's or
// output's condition, and the first argument of if.
var conditionFunctions = map[string]bool{
	"equals": true, "not": true, "and": true, "or": true, "contains": true,
	"get_param": true, "yaql": true,
}

// Pseudo parameters Heat defines for every stack.
var pseudoParameters = map[string]bool{
	"OS::stack_name": true, "OS::stack_id": true, "OS::project_id": true,
}

// Intrinsic reports whether v is a call of a HOT intrinsic function — a
// mapping with exactly one key that names one — and returns the function's
// name and argument. The condition functions equals, not, and, or count
// (Heat evaluates them only in conditions); keys like "Fn::Join" or "Ref"
// (CloudFormation) do not.
func Intrinsic(v any) (fn string, args any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if _, known := hotFunctions[k]; known {
			return k, a, true
		}
	}
	return "", nil, false
}

// IsTemplateFile reports whether Heat treats a resource type (or a
// resource_registry target) as a nested template: a name ending in ".yaml"
// or ".template". Heat does not treat ".yml" that way.
func IsTemplateFile(typ string) bool {
	return strings.HasSuffix(typ, ".yaml") || strings.HasSuffix(typ, ".template")
}

// Attributes of OS::Heat::ResourceGroup itself (beyond those of its members).
var groupAttributes = map[string]bool{
	"refs": true, "refs_map": true, "attributes": true, "removed_rsrc_list": true, "show": true,
}

// Resource types whose members are defined inline, and the property that
// holds the member definition.
var groupTypes = map[string]string{
	"OS::Heat::ResourceGroup":    "resource_def",
	"OS::Heat::AutoScalingGroup": "resource",
}

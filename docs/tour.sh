#!/usr/bin/env bash
# A tour of the API, from login to a completed install and a paid repair
# closed once finance has the cash, on a fresh server:
#
#   FIELDWORK_URL=http://localhost:8080 ADMIN_PASSWORD='…' bash docs/tour.sh
#
# It needs curl and jq. The README's tour shows the lines between the two
# "tour" marks below, and a test (cmd/fieldwork/tour_test.go) checks that it
# does, and runs this script against a freshly started server on both
# footings, so the tour can't rot. Run it once per fresh database: a second
# run finds the username, plate, IMEI and ICCID taken (409).
set -euo pipefail

FIELDWORK_URL="${FIELDWORK_URL:-http://localhost:8080}"
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the admin password (FIELDWORK_ADMIN_PASSWORD, or the one the first start logged)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# --- tour begins
# call METHOD PATH [BODY] [VERSION] sends one request as $TOKEN and prints the
# JSON answer. VERSION goes into If-Match; a problem is printed, and stops the tour.
call() {
	local out
	if ! out=$(curl -sS --fail-with-body -X "$1" "$FIELDWORK_URL$2" \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		${4:+-H "If-Match: \"$4\""} ${3:+--data-binary "$3"}); then
		printf '%s %s: %s\n' "$1" "$2" "$out" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# Log in as admin; every later request carries the access token.
TOKEN=$(curl -sS --fail-with-body "$FIELDWORK_URL/v1/auth/login" -H 'Content-Type: application/json' \
	--data-binary '{"username":"admin","password":"'"$ADMIN_PASSWORD"'"}' | jq -r .access_token)
ADMIN=$TOKEN
call GET /v1/me

# A customer (the fleet owner), two of its vehicles, and a technician.
CUSTOMER=$(call POST /v1/customers \
	'{"name":"Pearl River Logistics","contact_name":"Chen Jing","phone":"13800138000","address":"88 Binhe Road, Futian, Shenzhen"}' | jq -r .id)
VEHICLE1=$(call POST /v1/vehicles '{"customer_id":"'"$CUSTOMER"'","plate":"粤B12345","model":"Foton Aumark"}' | jq -r .id)
VEHICLE2=$(call POST /v1/vehicles '{"customer_id":"'"$CUSTOMER"'","plate":"粤B67890","model":"Foton Aumark"}' | jq -r .id)
TECHNICIAN=$(call POST /v1/users \
	'{"username":"li.wei","password":"tour-password-1","display_name":"Li Wei","role":"technician","phone":"13900139000"}' | jq -r .id)

# An install order for both vehicles, at the customer's yard.
ORDER=$(call POST /v1/work-orders '{"type":"install","customer_id":"'"$CUSTOMER"'",
	"vehicle_ids":["'"$VEHICLE1"'","'"$VEHICLE2"'"],
	"site":{"address":"88 Binhe Road, Futian, Shenzhen","lat":22.5329,"lng":114.0553},
	"description":"Fit GPS terminals to two trucks","priority":"normal"}' | jq -r .id)

# Every change of an order sends If-Match with its version, and answers with
# the next one. The manager's part (an admin may do it too): approve, assign.
V=$(call POST "/v1/work-orders/$ORDER/approve" '' 1 | jq .version)
V=$(call POST "/v1/work-orders/$ORDER/assign" '{"technician_id":"'"$TECHNICIAN"'"}' "$V" | jq .version)

# The stock to fit: a terminal model, then a terminal and a SIM card for each
# vehicle. IMEIs and ICCIDs end in a Luhn check digit.
MODEL=$(call POST /v1/terminal-models '{"name":"GT06N","manufacturer":"Concox","warranty_months":24}' | jq -r .id)
TERMINAL1=$(call POST /v1/terminals '{"serial":"GT06N-0001","imei":"490154203237518","model_id":"'"$MODEL"'"}' | jq -r .id)
TERMINAL2=$(call POST /v1/terminals '{"serial":"GT06N-0002","imei":"356938035643809","model_id":"'"$MODEL"'"}' | jq -r .id)
SIM1=$(call POST /v1/sims '{"iccid":"8986011234567890128","msisdn":"14412345678","carrier":"China Mobile"}' | jq -r .id)
SIM2=$(call POST /v1/sims '{"iccid":"89860112345678901237","msisdn":"14412345679","carrier":"China Mobile"}' | jq -r .id)

# The technician's part, with its own login: accept, depart after the
# pre-departure checklist, and arrive (the position is the check-in).
TOKEN=$(curl -sS --fail-with-body "$FIELDWORK_URL/v1/auth/login" -H 'Content-Type: application/json' \
	--data-binary '{"username":"li.wei","password":"tour-password-1"}' | jq -r .access_token)
V=$(call POST "/v1/work-orders/$ORDER/accept" '' "$V" | jq .version)
V=$(call POST "/v1/work-orders/$ORDER/depart" \
	'{"checklist":{"details_verified":true,"tools_ready":true,"parts_ready":true}}' "$V" | jq .version)
V=$(call POST "/v1/work-orders/$ORDER/arrive" '{"lat":22.5331,"lng":114.0551,"accuracy_m":8}' "$V" | jq .version)

# Photo evidence goes straight to object storage: declare the photo (its
# type, size and SHA-256), PUT the bytes to the presigned URL with the headers
# the answer names, then complete it, which checks the bytes. A 1×1 PNG
# stands in for the picture of the fitted unit.
base64 -d >photo.png <<<'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
SIZE=$(wc -c <photo.png)
SHA256=$(sha256sum photo.png | cut -d' ' -f1)
photo() { # [KIND], installation by default, of $ORDER
	local upload
	upload=$(call POST "/v1/work-orders/$ORDER/photos" \
		'{"kind":"'"${1:-installation}"'","content_type":"image/png","size_bytes":'"$SIZE"',"sha256":"'"$SHA256"'"}')
	# The presigned URL and its headers, as curl config lines (-K -).
	jq -r '.upload | "url = \"\(.url)\"", (.headers | to_entries[] | "header = \"\(.key): \(.value)\"")' <<<"$upload" |
		curl -sS --fail-with-body -K - -X PUT --data-binary @photo.png >/dev/null
	call POST "/v1/photos/$(jq -r .id <<<"$upload")/complete" | jq -r .id
}
PHOTO1=$(photo)
PHOTO2=$(photo)

# Fit a terminal and a SIM card to each vehicle, each with its photo.
call POST "/v1/work-orders/$ORDER/installations" \
	'{"vehicle_id":"'"$VEHICLE1"'","terminal_id":"'"$TERMINAL1"'","sim_id":"'"$SIM1"'","photo_ids":["'"$PHOTO1"'"]}'
call POST "/v1/work-orders/$ORDER/installations" \
	'{"vehicle_id":"'"$VEHICLE2"'","terminal_id":"'"$TERMINAL2"'","sim_id":"'"$SIM2"'","photo_ids":["'"$PHOTO2"'"]}'

# Complete the order. The bill follows the warranty rule (an install charges
# no labour), and the timeline has every step.
V=$(call POST "/v1/work-orders/$ORDER/complete" '{"resolution":"Both terminals fitted and reporting"}' "$V" | jq .version)
TOKEN=$ADMIN
call GET "/v1/work-orders/$ORDER/bill"
call GET "/v1/work-orders/$ORDER/events" | jq -r '.items[].type'
call GET "/v1/terminals/$TERMINAL1/warranty"
call GET "/v1/work-orders/$ORDER" | jq -r .status

# Money (收费). Paid extra services are on the price list, and a repair that
# uses one needs the customer's consent on a fee notice (收费通知) before it
# completes. Staff put the service on the list, add a finance clerk, and
# file a repair for the first vehicle.
call POST /v1/price-items \
	'{"code":"SVC-RELOCATE","kind":"service","name":"Move the terminal into the cab","unit":"visit","unit_price":15000}'
call POST /v1/users '{"username":"zhao.min","password":"tour-password-2","display_name":"Zhao Min","role":"finance"}'
ORDER=$(call POST /v1/work-orders '{"type":"repair","customer_id":"'"$CUSTOMER"'","vehicle_id":"'"$VEHICLE1"'",
	"site":{"address":"88 Binhe Road, Futian, Shenzhen"},"description":"Move the terminal into the cab",
	"fault_symptoms":"Weak signal under the chassis","priority":"normal"}' | jq -r .id)
V=$(call POST "/v1/work-orders/$ORDER/approve" '' 1 | jq .version)
V=$(call POST "/v1/work-orders/$ORDER/assign" '{"technician_id":"'"$TECHNICIAN"'"}' "$V" | jq .version)

# On site, the technician records the service (priced from the list; the
# unit is in warranty, but a paid service is charged all the same), puts it
# on a fee notice, and the customer's contact signs it: a photo of kind
# signature. Then the repair completes, and the cash is collected.
TOKEN=$(curl -sS --fail-with-body "$FIELDWORK_URL/v1/auth/login" -H 'Content-Type: application/json' \
	--data-binary '{"username":"li.wei","password":"tour-password-1"}' | jq -r .access_token)
V=$(call POST "/v1/work-orders/$ORDER/accept" '' "$V" | jq .version)
V=$(call POST "/v1/work-orders/$ORDER/depart" \
	'{"checklist":{"details_verified":true,"tools_ready":true,"parts_ready":true}}' "$V" | jq .version)
V=$(call POST "/v1/work-orders/$ORDER/arrive" '{"lat":22.5331,"lng":114.0551,"accuracy_m":8}' "$V" | jq .version)
call POST "/v1/work-orders/$ORDER/services" '{"code":"SVC-RELOCATE"}'
NOTICE=$(call POST "/v1/work-orders/$ORDER/fee-notices" | jq -r .id)
SIGNATURE=$(photo signature)
call POST "/v1/fee-notices/$NOTICE/accept" '{"signed_by":"Chen Jing","signature_photo_id":"'"$SIGNATURE"'"}'
V=$(call POST "/v1/work-orders/$ORDER/complete" '{"resolution":"Terminal moved into the cab"}' "$V" | jq .version)
PAYMENT=$(call POST "/v1/work-orders/$ORDER/payments" '{"amount":15000,"method":"cash","receipt_no":"R-000001"}' | jq -r .id)

# Back at the office the technician hands the cash over (上交财务), finance
# counts it, and with nothing outstanding the order closes.
HANDOVER=$(call POST /v1/handovers '{"payment_ids":["'"$PAYMENT"'"]}' | jq -r .id)
TOKEN=$(curl -sS --fail-with-body "$FIELDWORK_URL/v1/auth/login" -H 'Content-Type: application/json' \
	--data-binary '{"username":"zhao.min","password":"tour-password-2"}' | jq -r .access_token)
call POST "/v1/handovers/$HANDOVER/confirm" '{"counted_amount":15000}'
TOKEN=$ADMIN
V=$(call POST "/v1/work-orders/$ORDER/close" '' "$V" | jq .version)
call GET "/v1/work-orders/$ORDER/bill"
call GET "/v1/work-orders/$ORDER" | jq -r .status
# --- tour ends
